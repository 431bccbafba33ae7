package io.sluice.runtime;

import java.util.List;
import java.util.Queue;

/**
 * The receiving side of an exchange step on one worker: a tasklet that drains one channel per
 * sending worker, at most one batch from each per activation, and finishes once every sender has
 * sent end-of-stream. Subclasses say what the step does with a batch and at the end.
 */
abstract class ExchangeReceiver extends Node implements Tasklet {
  private final Queue<Object>[] channels;
  private ExchangeSender[] downstream = new ExchangeSender[0];
  private int eofs;
  private int cursor;
  private boolean done;
  long lastEpoch = 1;

  ExchangeReceiver(String stepId, Worker w, StepMetrics m, int outputCount, Queue<Object>[] channels) {
    super(stepId, w, m, outputCount);
    this.channels = channels;
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

  @Override
  public final int doWork() {
    if (done || Worker.anyPending(downstream)) {
      return 0;
    }
    int work = tick();
    int n = channels.length;
    for (int i = 0; i < n && !Worker.anyPending(downstream); i++) {
      Object msg = channels[(cursor + i) % n].poll();
      if (msg == null) {
        continue;
      }
      if (msg == Messages.EOF) {
        eofs++;
        work++;
      } else {
        Messages.Batch b = (Messages.Batch) msg;
        metrics.itemsIn += b.items().size();
        lastEpoch = Math.max(lastEpoch, b.epoch());
        process(b.epoch(), b.items());
        work += b.items().size();
      }
    }
    cursor = cursor + 1 == n ? 0 : cursor + 1;
    if (eofs == n && !done) {
      done = true;
      finish();
      emitEof();
    }
    return work;
  }

  @Override
  public final boolean isDone() {
    return done;
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
    if (!done && Worker.anyPending(downstream)) {
      sb.append(", blocked: downstream exchange full");
    }
    return sb.toString();
  }
}
