package io.sluice.inputs;

/** A partition of a {@link FixedPartitionedSource}: a stateless partition that can also snapshot where it is. */
public interface SourcePartition<T, S> extends StatelessSourcePartition<T> {
  /** The state that resumes this partition right after the last item returned. */
  S snapshot();

  /**
   * A state this partition returned from {@link #snapshot()} at the close of an epoch is now
   * complete: every worker of the cluster closed that epoch, flushed its sinks and, with recovery,
   * wrote it durably. Only then is it safe to commit that position outside Sluice (e.g. Kafka
   * group offsets), as Flink's {@code notifyCheckpointComplete}. Called on the partition's worker
   * thread, in epoch order, possibly not for every epoch; never for an epoch that did not complete.
   */
  default void epochComplete(S snapshot) {}
}
