package io.sluice.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * One producer writing {@link KafkaSinkMessage}s: sends each batch, then flushes it (waits until the
 * brokers acknowledged every record of the batch, or failed it) before returning, so a batch is
 * durable once {@link #write} returns. That is what lets the runtime declare an epoch complete
 * after the sink's last {@code writeBatch} for it returned (at-least-once). Remembers the first
 * failed send and reports it from the write that flushed it, or on close.
 */
final class ProducerWriter {
  private final String stepId;
  private final String bootstrap;
  private final String defaultTopic;
  /** The partition every record goes to, or null to let the message or Kafka decide. */
  private final Integer fixedPartition;
  private final KafkaProducer<byte[], byte[]> producer;
  private final AtomicReference<Exception> firstFailure = new AtomicReference<>();
  private final Callback callback;
  private final Duration closeTimeout;

  ProducerWriter(String stepId, List<String> brokers, String defaultTopic, Integer fixedPartition,
      Map<String, Object> userConfig, Duration timeout) {
    this.stepId = stepId;
    this.bootstrap = KafkaClients.bootstrap(brokers);
    this.defaultTopic = defaultTopic;
    this.fixedPartition = fixedPartition;
    this.closeTimeout = timeout;
    int timeoutMs = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
    Map<String, Object> defaults = new HashMap<>();
    defaults.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeoutMs);
    defaults.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    defaults.put(ProducerConfig.CLIENT_ID_CONFIG, "sluice-" + stepId + (fixedPartition == null ? "" : "-" + fixedPartition));
    Map<String, Object> forced = new HashMap<>();
    forced.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    forced.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    forced.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    try {
      this.producer = new KafkaProducer<>(KafkaClients.merge(defaults, userConfig, forced));
    } catch (KafkaException e) {
      throw new KafkaConnectorException("step '" + stepId + "': cannot create a Kafka producer for brokers '" + bootstrap
          + "': " + KafkaClients.rootMessage(e), e);
    }
    this.callback = (meta, e) -> {
      if (e != null) {
        firstFailure.compareAndSet(null, e);
      }
    };
    if (defaultTopic != null) {
      try {
        // fails within max.block.ms if the topic is unknown or the brokers do not answer
        producer.partitionsFor(defaultTopic);
      } catch (KafkaException e) {
        producer.close(Duration.ZERO);
        throw new KafkaConnectorException("step '" + stepId + "': Kafka topic '" + defaultTopic + "' on brokers '"
            + bootstrap + "' is not available within " + timeoutMs + " ms: " + KafkaClients.rootMessage(e), e);
      }
    }
  }

  /** Sends {@code items} and flushes them: when this returns, the brokers acknowledged every one. */
  void write(List<? extends KafkaSinkMessage<byte[], byte[]>> items) {
    send(items);
    flush();
  }

  /** Waits until every record sent so far is acknowledged (or failed); throws if any send failed. */
  void flush() {
    try {
      producer.flush();
    } catch (org.apache.kafka.common.errors.InterruptException e) {
      // the run is stopping: what was not acknowledged is not durable, and nobody will count it as such
      throw new KafkaConnectorException("step '" + stepId + "': interrupted while flushing to brokers '" + bootstrap
          + "'", e);
    }
    check();
  }

  private void send(List<? extends KafkaSinkMessage<byte[], byte[]>> items) {
    check();
    for (KafkaSinkMessage<byte[], byte[]> m : items) {
      String topic = m.topic() != null ? m.topic() : defaultTopic;
      if (topic == null) {
        throw new KafkaConnectorException("step '" + stepId + "': " + m + " names no topic and the sink has no default topic");
      }
      Integer partition = fixedPartition != null ? fixedPartition : m.partition();
      List<Header> headers = null;
      if (!m.headers().isEmpty()) {
        headers = new ArrayList<>(m.headers().size());
        for (KafkaHeader h : m.headers()) {
          headers.add(new RecordHeader(h.key(), h.value()));
        }
      }
      try {
        producer.send(new ProducerRecord<>(topic, partition, m.timestamp(), m.key(), m.value(), headers), callback);
      } catch (KafkaException e) {
        throw new KafkaConnectorException("step '" + stepId + "': writing " + m + " to topic '" + topic + "' on brokers '"
            + bootstrap + "' failed: " + KafkaClients.rootMessage(e), e);
      }
    }
    // as Bytewax's Kafka sink: a batch is acknowledged when writeBatch returns, so a stopped or
    // killed process has lost at most the batch in hand (bounded by delivery.timeout.ms)
    try {
      producer.flush();
    } catch (KafkaException e) {
      throw new KafkaConnectorException("step '" + stepId + "': flushing a batch to brokers '" + bootstrap + "' failed: "
          + KafkaClients.rootMessage(e), e);
    }
    check();
  }

  private void check() {
    Exception e = firstFailure.get();
    if (e != null) {
      throw new KafkaConnectorException("step '" + stepId + "': a write to brokers '" + bootstrap + "' failed: "
          + KafkaClients.rootMessage(e), e);
    }
  }

  /** Flushes everything sent, then closes; throws if any send failed. */
  void close() {
    boolean interrupted = Thread.interrupted();
    try {
      if (!interrupted) {
        producer.flush();
        check();
      }
    } finally {
      producer.close(interrupted ? Duration.ZERO : closeTimeout);
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
