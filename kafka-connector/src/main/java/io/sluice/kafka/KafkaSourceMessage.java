package io.sluice.kafka;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A record read from Kafka, with where it came from. {@link KafkaSource} produces
 * {@code KafkaSourceMessage<byte[], byte[]>}; {@link KafkaOps#deserialize} turns keys and values
 * into other types. Immutable as long as the key and value are. {@code equals} and {@code hashCode}
 * compare array keys and values by content ({@link java.util.Objects#deepEquals}), as
 * {@link KafkaHeader} does, so two messages read or made with the same bytes are equal: a test can
 * compare raw messages, and the testkit's output assertions can count them.
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

  /** The topic of the messages {@link #of(Object, Object)} makes. */
  public static final String TEST_TOPIC = "test";

  /**
   * A message as {@link KafkaSource} would give it, for tests of a flow's Kafka wiring without a
   * broker (feed it with a test source): topic {@value #TEST_TOPIC}, partition 0, offset 0, no
   * timestamp (-1, as Kafka's {@code RecordBatch.NO_TIMESTAMP}), no headers. Change these with
   * {@link #at}, {@link #withTimestamp} and {@link #withHeaders}.
   *
   * @param <K> the key type
   * @param <V> the value type
   * @param key the key (may be {@code null})
   * @param value the value (may be {@code null}: a tombstone)
   * @return the message
   */
  public static <K, V> KafkaSourceMessage<K, V> of(K key, V value) {
    return new KafkaSourceMessage<>(key, value, TEST_TOPIC, 0, 0L, -1L, List.of());
  }

  /**
   * {@link #of(Object, Object)} with UTF-8 bytes, the type {@link KafkaSource} produces.
   *
   * @param key the key as text (may be {@code null})
   * @param value the value as text (may be {@code null}: a tombstone)
   * @return the message with byte-array key and value
   */
  public static KafkaSourceMessage<byte[], byte[]> ofUtf8(String key, String value) {
    return of(key == null ? null : key.getBytes(java.nio.charset.StandardCharsets.UTF_8),
        value == null ? null : value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /**
   * The same message read from another place.
   *
   * @param newTopic the topic
   * @param newPartition the partition
   * @param newOffset the offset in that partition
   * @return the changed copy
   */
  public KafkaSourceMessage<K, V> at(String newTopic, int newPartition, long newOffset) {
    return new KafkaSourceMessage<>(key, value, newTopic, newPartition, newOffset, timestamp, headers);
  }

  /**
   * The same message with another timestamp.
   *
   * @param newTimestamp milliseconds since the epoch
   * @return the changed copy
   */
  public KafkaSourceMessage<K, V> withTimestamp(long newTimestamp) {
    return new KafkaSourceMessage<>(key, value, topic, partition, offset, newTimestamp, headers);
  }

  /**
   * The same message with these headers.
   *
   * @param newHeaders the headers, in order
   * @return the changed copy
   */
  public KafkaSourceMessage<K, V> withHeaders(List<KafkaHeader> newHeaders) {
    return new KafkaSourceMessage<>(key, value, topic, partition, offset, timestamp, newHeaders);
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

  /** Equal when every component is, array keys and values by content. */
  @Override
  public boolean equals(Object o) {
    return o instanceof KafkaSourceMessage<?, ?> m && partition == m.partition && offset == m.offset
        && timestamp == m.timestamp && Objects.deepEquals(key, m.key) && Objects.deepEquals(value, m.value)
        && topic.equals(m.topic) && headers.equals(m.headers);
  }

  @Override
  public int hashCode() {
    return Objects.hash(Arrays.deepHashCode(new Object[] {key, value}), topic, partition, offset, timestamp, headers);
  }

  @Override
  public String toString() {
    return "KafkaSourceMessage[" + position() + " key=" + Describe.value(key) + " value=" + Describe.value(value)
        + (headers.isEmpty() ? "" : " headers=" + headers) + "]";
  }
}
