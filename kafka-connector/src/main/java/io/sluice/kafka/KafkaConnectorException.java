package io.sluice.kafka;

/**
 * A Kafka connector failed: an unknown topic, brokers that did not answer in time, a record that
 * could not be read or written. The message names the brokers, topic, partition and offset that
 * are known.
 */
public class KafkaConnectorException extends RuntimeException {
  public KafkaConnectorException(String message) {
    super(message);
  }

  public KafkaConnectorException(String message, Throwable cause) {
    super(message, cause);
  }
}
