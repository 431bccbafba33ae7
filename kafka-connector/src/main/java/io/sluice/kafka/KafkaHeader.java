package io.sluice.kafka;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * One Kafka record header: a name and raw bytes (possibly {@code null}). Two headers are equal when
 * their names and byte contents are equal.
 */
public record KafkaHeader(String key, byte[] value) implements Serializable {
  public KafkaHeader {
    Objects.requireNonNull(key, "header key");
  }

  /** A header whose value is {@code value} in UTF-8. */
  public static KafkaHeader of(String key, String value) {
    return new KafkaHeader(key, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
  }

  /** The value as UTF-8 text, or {@code null}. */
  public String valueAsString() {
    return value == null ? null : new String(value, StandardCharsets.UTF_8);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KafkaHeader h && key.equals(h.key) && Arrays.equals(value, h.value);
  }

  @Override
  public int hashCode() {
    return 31 * key.hashCode() + Arrays.hashCode(value);
  }

  @Override
  public String toString() {
    return key + "=" + Describe.bytes(value);
  }
}
