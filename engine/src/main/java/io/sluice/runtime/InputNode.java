package io.sluice.runtime;

import java.util.List;

/** An input step on one worker: the join point of the partitions this worker reads. */
final class InputNode extends Node {
  private int openPartitions;

  InputNode(String id, Worker w, StepMetrics m, int partitions) {
    super(id, w, m, 1);
    this.openPartitions = partitions;
  }

  /** One of this worker's partitions ended; the step ends with the last. */
  void partitionEnded() {
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
