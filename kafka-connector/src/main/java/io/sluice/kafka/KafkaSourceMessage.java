package io.sluice.kafka;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * A record read from Kafka, with where it came from. {@link KafkaSource} produces
 * {@code KafkaSourceMessage<byte[], byte[]>}; {@link KafkaOps#deserialize} turns keys and values
 * into other types. Immutable as long as the key and value are; {@code equals} compares byte arrays
 * by identity (as records do), so compare {@link #key()} / {@link #value()} contents yourself.
 *
 * @param key       the record key (may be {@code null})
 * @param value     the record value (may be {@code null}: a tombstone)
 * @param topic     the topic it was read from
 * @param partition the partition it was read from
 * @param offset    its offset in that partition
 * @param timestamp its timestamp, in milliseconds since the epoch (create or log-append time, as the topic says)
 * @param headers   its headers, in order (empty if none)
 */
public record KafkaSourceMessage<K, V>(K key, V value, String topic, int partition, long offset, long timestamp,
    List<KafkaHeader> headers) implements KafkaResult<K, V>, Serializable {

  public KafkaSourceMessage {
    Objects.requireNonNull(topic, "topic");
    headers = headers == null ? List.of() : List.copyOf(headers);
  }

  /** The same message with another key. */
  public <K2> KafkaSourceMessage<K2, V> withKey(K2 newKey) {
    return new KafkaSourceMessage<>(newKey, value, topic, partition, offset, timestamp, headers);
  }

  /** The same message with another value. */
  public <V2> KafkaSourceMessage<K, V2> withValue(V2 newValue) {
    return new KafkaSourceMessage<>(key, newValue, topic, partition, offset, timestamp, headers);
  }

  /**
   * A message for {@link KafkaSink} with this key, value and headers; topic and partition are left
   * to the sink.
   */
  public KafkaSinkMessage<K, V> toSinkMessage() {
    return new KafkaSinkMessage<>(key, value, null, null, null, headers);
  }

  /** {@code topic-partition@offset}, for messages. */
  public String position() {
    return topic + "-" + partition + "@" + offset;
  }

  @Override
  public String toString() {
    return "KafkaSourceMessage[" + position() + " key=" + Describe.value(key) + " value=" + Describe.value(value)
        + (headers.isEmpty() ? "" : " headers=" + headers) + "]";
  }
}
