package io.sluice.runtime;

import io.sluice.inputs.StatelessSourcePartition;
import java.time.Instant;
import java.util.List;

/** Polls one source partition: one batch per activation, and only while downstream has room. */
final class SourceTasklet implements Tasklet {
  final InputNode node;
  private final String partitionName;
  private final StatelessSourcePartition<Object> partition;
  private ExchangeSender[] downstream = new ExchangeSender[0];
  private Instant awake;
  private long itemsRead;
  private boolean done;
  private boolean closed;

  SourceTasklet(InputNode node, String partitionName, StatelessSourcePartition<Object> partition) {
    this.node = node;
    this.partitionName = partitionName;
    this.partition = partition;
    node.worker.closeOnExit(this::close);
  }

  void setDownstream(ExchangeSender[] senders) {
    this.downstream = senders;
  }

  @Override
  public int doWork() {
    if (done || Worker.anyPending(downstream)) {
      return 0;
    }
    if (awake != null && Instant.now().isBefore(awake)) {
      return 0;
    }
    long t0 = System.nanoTime();
    List<Object> batch;
    try {
      batch = partition.nextBatch();
      awake = batch == null ? null : partition.nextAwake();
    } catch (RuntimeException | Error e) {
      throw node.failureDuring("reading partition '" + partitionName + "'", e);
    }
    long t1 = System.nanoTime();
    node.recordActivation(t1 - t0);
    if (batch == null) {
      done = true;
      try {
        close();
      } catch (RuntimeException | Error e) {
        throw node.failureDuring("closing partition '" + partitionName + "'", e);
      }
      node.partitionEnded();
      return 1;
    }
    if (batch.isEmpty()) {
      return 0;
    }
    itemsRead += batch.size();
    node.emit(0, node.worker.epochAt(t1), batch);
    return batch.size();
  }

  private void close() {
    if (!closed) {
      closed = true;
      partition.close();
    }
  }

  @Override
  public boolean isDone() {
    return done;
  }

  @Override
  public String describe() {
    return "source '" + node.stepId + "' partition '" + partitionName + "': " + itemsRead + " items read, "
        + (done ? "ended" : Worker.anyPending(downstream) ? "blocked: downstream exchange full" : "polling");
  }
}
