package io.sluice.kafka;

/**
 * Where a {@link KafkaSource} partition starts reading when it has no resume state. A resume state
 * (the partition's snapshot: its next offset) always wins over this.
 */
public enum StartingOffset {
  /** The earliest offset still in the partition. */
  BEGINNING,
  /** The partition's end: only records written after the partition was opened. */
  END,
  /**
   * The offset committed for the consumer group named by {@code group.id} in the extra consumer
   * config; where the group has none, {@code auto.offset.reset} decides (default {@code earliest}).
   * The source commits a partition's offset to the group only once the epoch it belongs to is
   * complete (every worker closed it and flushed its sinks; see
   * {@link io.sluice.inputs.SourcePartition#epochComplete}), never through Kafka's auto-commit, so
   * the group's next run goes on after the last record whose output is durable: at-least-once.
   * The group is only used for offsets: partitions are still assigned by Sluice.
   */
  STORED
}
