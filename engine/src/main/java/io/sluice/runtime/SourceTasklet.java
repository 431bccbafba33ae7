package io.sluice.runtime;

import io.sluice.inputs.EpochBoundary;
import io.sluice.inputs.SourcePartition;
import io.sluice.inputs.StatelessSourcePartition;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Polls one source partition: one batch per activation (gathered from several calls when the
 * partition reads ahead, {@link StatelessSourcePartition#readAhead()}), and only while downstream has room. It
 * closes the worker's open epoch every epoch interval (of the run's clock, or of virtual time),
 * at every virtual time advance, where the partition asks ({@link EpochBoundary}) and when the
 * partition ends, first taking the partition's
 * snapshot when the run keeps one.
 */
final class SourceTasklet implements Tasklet {
  final InputNode node;
  final String partitionName;
  private final int index;
  private final StatelessSourcePartition<Object> partition;
  /** The partition when it marks epoch ends itself ({@link EpochBoundary}), else null. */
  private final EpochBoundary boundary;
  private final Worker worker;
  /** The partition's client with metrics of its own ({@link io.sluice.inputs.InstrumentedPartition}), or null. */
  private final Object client;
  private ExchangeSender[] downstream = new ExchangeSender[0];
  private Instant awake;
  private long itemsRead;
  private boolean done;
  /** Items one activation reads ahead at most ({@link #readAhead}). */
  static final int READ_AHEAD_ITEMS = 256;
  /** Whether the partition may be called again right after a non-empty batch ({@link #readAhead}). */
  private final boolean readsAhead;
  /** The partition ended during a read-ahead: the end is taken at the next activation. */
  private boolean endedAfterReadAhead;
  /** The last read-ahead stopped at a batch after which the partition closes the epoch. */
  private boolean readAheadClosesEpoch;
  private boolean closed;
  private long closedEpoch;
  private long timeMillis;
  private long epochStartMillis;
  /** Snapshots taken at epoch closes and not yet reported complete: {epoch, state} pairs. */
  private final ArrayDeque<Object[]> uncompleted = new ArrayDeque<>();
  /** The snapshot taken at the last close, until the worker collects it. */
  private Object[] toStore;

  /**
   * {@code resumeMillis}: under virtual time, the partition's time when the epoch it resumes from
   * opened ({@link Long#MIN_VALUE}: none, it starts at the worker's start time).
   */
  SourceTasklet(InputNode node, int index, String partitionName, StatelessSourcePartition<Object> partition,
      long resumeMillis) {
    this.node = node;
    this.index = index;
    this.partitionName = partitionName;
    this.partition = partition;
    this.boundary = partition instanceof EpochBoundary b ? b : null;
    this.readsAhead = partition.readAhead();
    this.worker = node.worker;
    this.closedEpoch = worker.openEpoch - 1;
    this.timeMillis = worker.virtualTime && resumeMillis != Long.MIN_VALUE ? resumeMillis : worker.startTimeMillis;
    this.epochStartMillis = worker.nowMillis(timeMillis);
    worker.closeOnExit(this::close);
    this.client = worker.execution.config.observer() == null ? null : clientOf(partition);
    tellClient(true);
  }

  /** The partition's client with metrics of its own, or null; a partition failing to say is a failure to open it. */
  private Object clientOf(StatelessSourcePartition<Object> p) {
    try {
      return p instanceof io.sluice.inputs.InstrumentedPartition ip ? ip.metricsClient() : null;
    } catch (RuntimeException | Error e) {
      throw node.failureDuring("opening partition '" + partitionName + "' (asking its metrics client)", e);
    }
  }

  /** Tells the run's observer of the partition's client opening (or closing), if both exist. */
  private void tellClient(boolean opened) {
    io.sluice.run.RunObserver observer = worker.execution.config.observer();
    if (client == null || observer == null) {
      return;
    }
    try {
      if (opened) {
        observer.clientOpened(node.stepId, worker.index, partitionName, client);
      } else {
        observer.clientClosed(node.stepId, worker.index, partitionName, client);
      }
    } catch (RuntimeException e) {
      org.slf4j.LoggerFactory.getLogger(SourceTasklet.class).warn("step '{}': the run's observer failed on the client of"
          + " partition '{}' (its metrics may be missing): {}", node.stepId, partitionName, e.toString());
    }
  }

  void setDownstream(ExchangeSender[] senders) {
    this.downstream = senders;
  }

  @Override
  public int doWork() {
    if (done || closedEpoch >= worker.openEpoch) {
      return 0; // ended, or waiting for the worker to open the next epoch
    }
    boolean virtual = worker.virtualTime;
    long now = worker.nowMillis(timeMillis);
    if (!virtual && worker.epochIntervalMillis > 0 && now - epochStartMillis >= worker.epochIntervalMillis) {
      closeEpoch(now);
      return 1;
    }
    if (Worker.anyPending(downstream)) {
      return 0;
    }
    if (worker.execution.isDraining()) {
      return endEarly(); // a graceful stop: as if at end of stream
    }
    if (awake != null) {
      if (virtual) {
        long at = awake.toEpochMilli();
        awake = null;
        if (at > timeMillis) {
          // virtual time: the partition waits for a later time, so its time jumps there
          timeMillis = at;
          closeEpoch(at);
          return 1;
        }
      } else if (worker.clock.instant().isBefore(awake)) {
        return 0;
      }
    }
    if (endedAfterReadAhead) {
      return endOfPartition();
    }
    long t0 = node.beginActivation();
    List<Object> batch;
    boolean closeAfter;
    try {
      batch = partition.nextBatch();
      awake = batch == null ? null : partition.nextAwake();
      closeAfter = batch != null && boundary != null && boundary.closeEpochAfterBatch(worker.openEpoch);
      if (readsAhead && batch != null && !batch.isEmpty() && !closeAfter && awake == null
          && worker.epochIntervalMillis != 0 && batch.size() < READ_AHEAD_ITEMS) {
        batch = readAhead(batch);
        closeAfter = readAheadClosesEpoch;
      }
    } catch (RuntimeException | Error e) {
      throw node.failureDuring("reading partition '" + partitionName + "'", e);
    }
    long t1 = System.nanoTime();
    node.recordActivation(t1 - t0);
    if (batch == null) {
      return endOfPartition();
    }
    if (batch.isEmpty()) {
      if (closeAfter) {
        closeEpoch(worker.nowMillis(timeMillis));
        return 1;
      }
      return 0;
    }
    itemsRead += batch.size();
    node.emit(0, worker.openEpoch, batch);
    if (closeAfter || worker.epochIntervalMillis == 0) {
      closeEpoch(worker.nowMillis(timeMillis));
    }
    return batch.size();
  }

  private int endOfPartition() {
    closeEpoch(worker.nowMillis(timeMillis));
    done = true;
    node.partitionEnded(index);
    return 1;
  }

  /**
   * Calls the partition again while it hands out items at once, up to {@link #READ_AHEAD_ITEMS} in
   * all, and returns them as one batch, so that a partition returning one item per call does not
   * cost a pass through the whole worker per item. It stops at an empty batch, at the partition's
   * end (taken at the next activation, after these items), when the partition asks to be called
   * later ({@link StatelessSourcePartition#nextAwake()}), or when it marks an epoch end
   * ({@link #readAheadClosesEpoch}). Only for partitions that turn it on
   * ({@link StatelessSourcePartition#readAhead()}), and not when every batch is its own epoch.
   */
  private List<Object> readAhead(List<Object> first) {
    readAheadClosesEpoch = false;
    List<Object> merged = null;
    int size = first.size();
    while (size < READ_AHEAD_ITEMS) {
      List<Object> more = partition.nextBatch();
      if (more == null) {
        endedAfterReadAhead = true;
        break;
      }
      awake = partition.nextAwake();
      boolean close = boundary != null && boundary.closeEpochAfterBatch(worker.openEpoch);
      if (!more.isEmpty()) {
        if (merged == null) {
          merged = new ArrayList<>(Math.min(READ_AHEAD_ITEMS, size * 4 + more.size()));
          merged.addAll(first);
        }
        merged.addAll(more);
        size += more.size();
      }
      if (close) {
        readAheadClosesEpoch = true;
        break;
      }
      if (more.isEmpty() || awake != null) {
        break;
      }
    }
    return merged == null ? first : merged;
  }

  /** Ends the partition as if at end of stream (the run is stopping gracefully). */
  private int endEarly() {
    return endOfPartition();
  }

  /** Closes the worker's open epoch for this partition: snapshot (with recovery), then the marker downstream. */
  private void closeEpoch(long markerTime) {
    long epoch = worker.openEpoch;
    // the state is stored with recovery, and reported complete wherever completion is known
    if (worker.completionKnown && partition instanceof SourcePartition<?, ?> sp) {
      Object state;
      try {
        state = sp.snapshot();
      } catch (RuntimeException | Error e) {
        throw node.failureDuring("snapshotting partition '" + partitionName + "'", e);
      }
      // with the partition's time when the epoch opened: a resume goes on from there (on virtual time)
      Object[] snap = new Object[] {epoch, state, epochStartMillis};
      if (worker.snapshotting) {
        toStore = snap;
      }
      uncompleted.add(snap);
    }
    closedEpoch = epoch;
    node.partitionClosed(index, epoch, markerTime);
  }

  /** The snapshot taken when this partition closed {@code epoch}, or null if none; cleared once taken. */
  Object[] takeSnapshot(long epoch) {
    Object[] s = toStore;
    if (s != null && (long) s[0] == epoch) {
      toStore = null;
      return s;
    }
    return null;
  }

  /** Epochs up to {@code epoch} completed: tells the partition the newest state it snapshotted in them. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  void completed(long epoch) {
    Object[] newest = null;
    while (!uncompleted.isEmpty() && (long) uncompleted.peekFirst()[0] <= epoch) {
      newest = uncompleted.pollFirst();
    }
    if (newest != null && !closed && partition instanceof SourcePartition sp) {
      try {
        sp.epochComplete(newest[1]);
      } catch (RuntimeException | Error e) {
        throw node.failureDuring("completing epoch " + newest[0] + " of partition '" + partitionName + "'", e);
      }
    }
  }

  @Override
  public long closedEpoch() {
    return closedEpoch;
  }

  @Override
  public void epochOpened(long open) {
    epochStartMillis = worker.nowMillis(timeMillis);
  }

  @Override
  public long timeMillis() {
    return timeMillis;
  }

  private void close() {
    if (!closed) {
      closed = true;
      tellClient(false);
      try {
        partition.close();
      } catch (RuntimeException | Error e) {
        throw node.failureDuring("closing partition '" + partitionName + "'", e);
      }
    }
  }

  @Override
  public boolean isDone() {
    return done;
  }

  @Override
  public String describe() {
    return "source '" + node.stepId + "' partition '" + partitionName + "': " + itemsRead + " items read, "
        + (done ? "ended" : closedEpoch >= worker.openEpoch ? "closed epoch " + closedEpoch + ", waiting for the worker's other inputs"
            : Worker.anyPending(downstream) ? "blocked: downstream exchange full" : "polling")
        + (worker.virtualTime ? ", virtual time " + Instant.ofEpochMilli(timeMillis) : "");
  }
}
