package io.sluice.inputs;

import java.util.List;

/**
 * A source made of named partitions (files, Kafka topic partitions, ...). The runtime lists the
 * partitions once, assigns each to exactly one worker ({@link PartitionAssignment}) and builds it
 * there. With more workers than partitions some workers read nothing; use
 * {@code redistribute} downstream to share the work.
 *
 * @param <T> the item type
 * @param <S> the per-partition resume state (e.g. an offset)
 */
public non-sealed interface FixedPartitionedSource<T, S> extends Source<T> {
  /** The partition names; the same list in every process that can read them. */
  List<String> listPartitions();

  /**
   * Opens one partition on the worker it is assigned to.
   *
   * @param stepId      the input step's id, for messages
   * @param partition   one of {@link #listPartitions()}
   * @param resumeState a snapshot from {@link SourcePartition#snapshot()}, or {@code null} to start fresh
   */
  SourcePartition<T, S> buildPartition(String stepId, String partition, S resumeState);
}
