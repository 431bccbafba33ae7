package io.sluice.kafka;

import io.sluice.outputs.DynamicSink;
import io.sluice.outputs.StatelessSinkPartition;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes {@link KafkaSinkMessage}s with byte-array keys and values to Kafka: one
 * {@code KafkaProducer} per worker, writing the items that worker holds, batch by batch; each
 * batch is flushed (sent and acknowledged) before {@code writeBatch} returns, as Bytewax's Kafka
 * sink does, so a stopped or killed process has lost at most the batch in hand. A message's own topic, partition, timestamp and headers are
 * used when set; otherwise the sink's topic and Kafka's partitioner (by key) apply.
 *
 * <p>Guarantees (at-least-once): every batch is flushed before {@code writeBatch} returns, i.e. the
 * brokers acknowledged each of its records (the producer's {@code acks} decides what acknowledged
 * means; default {@code all}). The runtime declares an epoch complete, and sources may then commit
 * their offsets, only after every sink's {@code writeBatch} for that epoch returned, so no source
 * offset is ever committed for a record whose output is not in Kafka. Records may be written again
 * after a failure (from the last complete epoch on). A failed send stops the run with a
 * {@link KafkaConnectorException} from the batch that sent it. An unknown default topic or brokers that do not answer fail when the worker opens the sink,
 * within {@code timeout} (default 10 s). Use {@link KafkaOps#serialize} to produce byte arrays, and
 * {@link KafkaPartitionedSink} to have each Kafka partition written by one worker.
 */
public final class KafkaSink implements DynamicSink<KafkaSinkMessage<byte[], byte[]>> {
  private final List<String> brokers;
  private final String topic;
  private final Map<String, Object> producerConfig;
  private final Duration timeout;

  /** Writes to {@code topic} (or, if null, to the topic each message names) on {@code brokers}. */
  public KafkaSink(List<String> brokers, String topic) {
    this(brokers, topic, Map.of(), KafkaSource.DEFAULT_METADATA_TIMEOUT);
  }

  /**
   * @param producerConfig extra producer settings ({@code acks}, {@code compression.type}, security ...)
   * @param timeout        how long opening the sink and each blocking send may take ({@code max.block.ms})
   */
  public KafkaSink(List<String> brokers, String topic, Map<String, ?> producerConfig, Duration timeout) {
    this.brokers = List.copyOf(brokers);
    KafkaClients.bootstrap(this.brokers);
    this.topic = topic;
    this.producerConfig = Map.copyOf(new LinkedHashMap<>(Objects.requireNonNull(producerConfig)));
    this.timeout = Objects.requireNonNull(timeout);
  }

  /** Writes to {@code topic} on {@code bootstrapServers} ({@code host:port[,host:port...]}). */
  public static KafkaSink of(String bootstrapServers, String topic) {
    return new KafkaSink(List.of(bootstrapServers.split(",")), topic);
  }

  @Override
  public StatelessSinkPartition<KafkaSinkMessage<byte[], byte[]>> build(String stepId, int workerIndex, int workerCount) {
    ProducerWriter writer = new ProducerWriter(stepId, brokers, topic, null, producerConfig, timeout);
    return new StatelessSinkPartition<>() {
      @Override
      public void writeBatch(List<KafkaSinkMessage<byte[], byte[]>> items) {
        writer.write(items);
      }

      @Override
      public void close() {
        writer.close();
      }
    };
  }

  @Override
  public String toString() {
    return "KafkaSink[" + String.join(",", brokers) + " " + topic + "]";
  }
}
