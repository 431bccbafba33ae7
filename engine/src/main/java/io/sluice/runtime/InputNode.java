package io.sluice.runtime;

import java.util.List;

/**
 * An input step on one worker: the join point of the partitions this worker reads. It passes an
 * epoch's close downstream once every one of its partitions closed it, and ends with the last.
 */
final class InputNode extends Node {
  private int openPartitions;
  private final Frontier frontier;

  InputNode(String id, Worker w, StepMetrics m, int partitions) {
    super(id, w, m, 1);
    this.openPartitions = partitions;
    this.frontier = partitions == 0 ? null : new Frontier(partitions, w.openEpoch - 1, w.startTimeMillis);
  }

  /** Partition {@code partition} (index among this worker's) closed {@code epoch} with its time. */
  void partitionClosed(int partition, long epoch, long timeMillis) {
    if (frontier.close(partition, epoch, timeMillis)) {
      emitProgress(frontier.closedEpoch(), frontier.time());
    }
  }

  /** One of this worker's partitions ended; the step ends with the last. */
  void partitionEnded(int partition) {
    if (frontier.end(partition)) {
      emitProgress(frontier.closedEpoch(), frontier.time());
    }
    if (--openPartitions == 0) {
      emitEof();
    }
  }

  /** Ends the step at once on a worker that reads no partition. */
  void startWithoutPartitions() {
    if (openPartitions == 0) {
      emitEof();
    }
  }

  @Override
  void push(int input, long epoch, List<Object> items) {
    throw new IllegalStateException("input step '" + stepId + "' has no upstream");
  }

  @Override
  void eof(int input) {
    throw new IllegalStateException("input step '" + stepId + "' has no upstream");
  }
}
