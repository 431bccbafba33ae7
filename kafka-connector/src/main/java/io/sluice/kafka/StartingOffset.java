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
   */
  STORED
}
