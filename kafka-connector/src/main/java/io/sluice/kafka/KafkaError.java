package io.sluice.kafka;

import java.io.Serializable;
import java.util.Objects;

/**
 * An error that was asked to flow on as an item instead of stopping the dataflow: reading a
 * partition failed ({@link #message()} is {@code null}), or a record could not be deserialized
 * ({@link #message()} is the record as read).
 *
 * @param error     what went wrong
 * @param message   the record it is about, or {@code null} if the error is not about one record
 * @param topic     the topic being read
 * @param partition the partition being read
 * @param offset    the record's offset, or the partition's position when the error happened
 */
public record KafkaError<K, V>(Throwable error, KafkaSourceMessage<K, V> message, String topic, int partition,
    long offset) implements KafkaResult<K, V>, Serializable {

  public KafkaError {
    Objects.requireNonNull(error, "error");
    Objects.requireNonNull(topic, "topic");
  }

  /** An error about one record. */
  public static <K, V> KafkaError<K, V> of(Throwable error, KafkaSourceMessage<K, V> message) {
    return new KafkaError<>(error, message, message.topic(), message.partition(), message.offset());
  }

  @Override
  public String toString() {
    return "KafkaError[" + topic + "-" + partition + "@" + offset + ": " + error + "]";
  }
}
