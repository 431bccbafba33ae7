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
   * With a {@code group.id}, Kafka's auto-commit ({@code enable.auto.commit}, on by default) stores
   * the position while reading and when the partition closes, so the group's next run goes on
   * from there. The group is only used for offsets: partitions are still assigned by Sluice.
   */
  STORED
}
