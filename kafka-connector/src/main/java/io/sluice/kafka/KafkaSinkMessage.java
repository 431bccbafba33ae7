package io.sluice.kafka;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A record to write with {@link KafkaSink} or {@link KafkaPartitionedSink}. Only key and value are
 * required; a {@code null} topic means the sink's topic, a {@code null} partition lets the sink
 * choose (Kafka's partitioner, or the key's partition for {@link KafkaPartitionedSink}), a
 * {@code null} timestamp lets the producer stamp it. {@code equals} and {@code hashCode} compare
 * array keys and values by content ({@link java.util.Objects#deepEquals}), as {@link KafkaHeader}
 * does, so a test can compare serialized records and the testkit can count them.
 */
public record KafkaSinkMessage<K, V>(K key, V value, String topic, Integer partition, Long timestamp,
    List<KafkaHeader> headers) implements Serializable {

  public KafkaSinkMessage {
    headers = headers == null ? List.of() : List.copyOf(headers);
  }

  /** A record with this key and value for the sink's topic. */
  public static <K, V> KafkaSinkMessage<K, V> of(K key, V value) {
    return new KafkaSinkMessage<>(key, value, null, null, null, List.of());
  }

  /** The same record for {@code newTopic}. */
  public KafkaSinkMessage<K, V> withTopic(String newTopic) {
    return new KafkaSinkMessage<>(key, value, newTopic, partition, timestamp, headers);
  }

  /** The same record for an explicit partition. */
  public KafkaSinkMessage<K, V> withPartition(Integer newPartition) {
    return new KafkaSinkMessage<>(key, value, topic, newPartition, timestamp, headers);
  }

  /** The same record with an explicit timestamp (ms since the epoch). */
  public KafkaSinkMessage<K, V> withTimestamp(Long newTimestamp) {
    return new KafkaSinkMessage<>(key, value, topic, partition, newTimestamp, headers);
  }

  /** The same record with these headers. */
  public KafkaSinkMessage<K, V> withHeaders(List<KafkaHeader> newHeaders) {
    return new KafkaSinkMessage<>(key, value, topic, partition, timestamp, newHeaders);
  }

  /** The same record with another key. */
  public <K2> KafkaSinkMessage<K2, V> withKey(K2 newKey) {
    return new KafkaSinkMessage<>(newKey, value, topic, partition, timestamp, headers);
  }

  /** The same record with another value. */
  public <V2> KafkaSinkMessage<K, V2> withValue(V2 newValue) {
    return new KafkaSinkMessage<>(key, newValue, topic, partition, timestamp, headers);
  }

  /** Equal when every component is, array keys and values by content. */
  @Override
  public boolean equals(Object o) {
    return o instanceof KafkaSinkMessage<?, ?> m && Objects.deepEquals(key, m.key) && Objects.deepEquals(value, m.value)
        && Objects.equals(topic, m.topic) && Objects.equals(partition, m.partition)
        && Objects.equals(timestamp, m.timestamp) && headers.equals(m.headers);
  }

  @Override
  public int hashCode() {
    return Objects.hash(Arrays.deepHashCode(new Object[] {key, value}), topic, partition, timestamp, headers);
  }

  @Override
  public String toString() {
    return "KafkaSinkMessage[" + (topic == null ? "" : topic + (partition == null ? "" : "-" + partition) + " ")
        + "key=" + Describe.value(key) + " value=" + Describe.value(value) + (headers.isEmpty() ? "" : " headers=" + headers)
        + "]";
  }
}
