package io.sluice.runtime;

import java.util.List;
import java.util.Queue;

/**
 * The receiving side of an exchange step on one worker: a tasklet that drains one channel per
 * sending worker, at most one batch from each per activation, and finishes once every sender has
 * sent end-of-stream. Subclasses say what the step does with a batch and at the end.
 *
 * <p>Epochs are aligned: a channel that delivered the close of the worker's open epoch is not read
 * again until every channel delivered it (or ended); then the receiver passes the close on with
 * the smallest time of its channels and waits for the worker to open the next epoch.
 */
abstract class ExchangeReceiver extends Node implements Tasklet {
  private final Queue<Object>[] channels;
  private final long[] channelEpoch;
  private final long[] channelTime;
  private final boolean[] channelEnded;
  private ExchangeSender[] downstream = new ExchangeSender[0];
  private int eofs;
  private int cursor;
  private boolean done;
  long lastEpoch;
  private long closedEpoch;
  /** This step instance's time (ms): under virtual time, what its timers compare with. */
  long timeMillis;
  private long alignedTime;

  ExchangeReceiver(String stepId, Worker w, StepMetrics m, int outputCount, Queue<Object>[] channels) {
    super(stepId, w, m, outputCount);
    this.channels = channels;
    this.channelEpoch = new long[channels.length];
    this.channelTime = new long[channels.length];
    this.channelEnded = new boolean[channels.length];
    this.closedEpoch = w.openEpoch - 1;
    this.lastEpoch = w.openEpoch;
    this.timeMillis = w.startTimeMillis;
    java.util.Arrays.fill(channelEpoch, closedEpoch);
  }

  void setDownstream(ExchangeSender[] senders) {
    this.downstream = senders;
  }

  /** Handles one batch that arrived from some worker. */
  abstract void process(long epoch, List<Object> items);

  /** Called once after every sender's end-of-stream. */
  abstract void finish();

  /** Work not driven by input (timers); returns the work done. */
  int tick() {
    return 0;
  }

  /** Every channel delivered the close of {@code epoch}; called before the close is passed on. */
  void aligned(long epoch) {}

  @Override
  public final int doWork() {
    if (done || closedEpoch >= worker.openEpoch || Worker.anyPending(downstream)) {
      return 0;
    }
    int work = tick();
    int n = channels.length;
    long open = worker.openEpoch;
    // only a close or an end that arrived now can complete the open epoch's alignment: a channel is
    // not read again once it delivered the close, so none holds a later one when the epoch opens
    boolean progressed = false;
    for (int i = 0; i < n && !Worker.anyPending(downstream); i++) {
      int c = (cursor + i) % n;
      if (channelEnded[c] || channelEpoch[c] >= open) {
        continue; // ended, or parked until the epoch closes everywhere
      }
      Object msg = channels[c].poll();
      if (msg == null) {
        continue;
      }
      work++;
      if (msg == Messages.EOF) {
        channelEnded[c] = true;
        eofs++;
        progressed = true;
      } else if (msg instanceof Messages.Progress p) {
        channelEpoch[c] = p.epoch();
        channelTime[c] = p.timeMillis();
        progressed = true;
      } else {
        Messages.Batch b = (Messages.Batch) msg;
        metrics.itemsIn += b.items().size();
        lastEpoch = Math.max(lastEpoch, b.epoch());
        if (worker.hook != null) {
          worker.hook.beforeStep(stepId, worker.index, b.items());
        }
        process(b.epoch(), b.items());
        work += b.items().size();
      }
    }
    cursor = cursor + 1 == n ? 0 : cursor + 1;
    if (eofs == n) {
      if (!done) {
        done = true;
        finish();
        emitEof();
      }
      return work;
    }
    if (!progressed) {
      return work;
    }
    boolean allClosed = true;
    long time = Long.MAX_VALUE;
    for (int c = 0; c < n; c++) {
      if (!channelEnded[c]) {
        allClosed &= channelEpoch[c] >= open;
        time = Math.min(time, channelTime[c]);
      }
    }
    if (allClosed) {
      closedEpoch = open;
      alignedTime = time;
      aligned(open);
      emitProgress(open, time);
      work++;
    }
    return work;
  }

  @Override
  public final boolean isDone() {
    return done;
  }

  @Override
  public long closedEpoch() {
    return closedEpoch;
  }

  @Override
  public void epochOpened(long open) {
    lastEpoch = open;
    timeMillis = Math.max(timeMillis, alignedTime);
  }

  @Override
  public long timeMillis() {
    return timeMillis;
  }

  @Override
  void push(int input, long epoch, List<Object> items) {
    throw new IllegalStateException("receiver of '" + stepId + "' is fed through its channels");
  }

  @Override
  void eof(int input) {
    throw new IllegalStateException("receiver of '" + stepId + "' is fed through its channels");
  }

  @Override
  public String describe() {
    StringBuilder sb = new StringBuilder("exchange receiver '").append(stepId).append("': ")
        .append(done ? "done" : "end-of-stream from " + eofs + "/" + channels.length + " senders")
        .append(", inbound depth per sender [");
    for (int i = 0; i < channels.length; i++) {
      sb.append(i == 0 ? "" : ", ").append(channels[i].size());
    }
    sb.append("]");
    if (!done) {
      sb.append(", epoch ").append(worker.openEpoch).append(" closed by senders [");
      for (int i = 0; i < channels.length; i++) {
        sb.append(i == 0 ? "" : ", ").append(channelEnded[i] ? "ended" : channelEpoch[i] >= worker.openEpoch ? "yes" : "no");
      }
      sb.append("]");
    }
    if (!done && Worker.anyPending(downstream)) {
      sb.append(", blocked: downstream exchange full");
    }
    return sb.toString();
  }
}
