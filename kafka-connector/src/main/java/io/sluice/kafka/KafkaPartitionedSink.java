package io.sluice.kafka;

import io.sluice.outputs.FixedPartitionedSink;
import io.sluice.outputs.SinkPartition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.utils.Utils;

/**
 * Writes to one Kafka topic as a fixed-partitioned sink: one Sluice partition per Kafka partition
 * ({@code topic-N}), each written by exactly one worker with its own producer. Items travel to the
 * worker of their partition, which is the message's explicit partition if set, else the partition
 * Kafka's default partitioner gives the key ({@code murmur2(key) mod partitions}), else (no key) a
 * hash of the value. So records with the same key land on the same Kafka partition, in the order
 * one upstream worker produced them, and every partition is written by one producer only.
 *
 * <p>Every message must be for this sink's topic (or name none). Each batch is flushed (sent and
 * acknowledged) before {@code writeBatch} returns. Failures as for {@link KafkaSink}.
 */
public final class KafkaPartitionedSink implements FixedPartitionedSink<KafkaSinkMessage<byte[], byte[]>, Void> {
  private final List<String> brokers;
  private final String topic;
  private final Map<String, Object> producerConfig;
  private final Duration timeout;

  public KafkaPartitionedSink(List<String> brokers, String topic) {
    this(brokers, topic, Map.of(), KafkaSource.DEFAULT_METADATA_TIMEOUT);
  }

  /** With extra producer settings and a bound on listing partitions, opening and blocking sends. */
  public KafkaPartitionedSink(List<String> brokers, String topic, Map<String, ?> producerConfig, Duration timeout) {
    this.brokers = List.copyOf(brokers);
    KafkaClients.bootstrap(this.brokers);
    this.topic = Objects.requireNonNull(topic, "topic");
    this.producerConfig = Map.copyOf(producerConfig);
    this.timeout = Objects.requireNonNull(timeout);
  }

  /** Writes to {@code topic} on {@code bootstrapServers} ({@code host:port[,host:port...]}). */
  public static KafkaPartitionedSink of(String bootstrapServers, String topic) {
    return new KafkaPartitionedSink(List.of(bootstrapServers.split(",")), topic);
  }

  /** {@code topic-0 ... topic-(n-1)}: the index of a name is its Kafka partition number. */
  @Override
  public List<String> listPartitions() {
    int n = KafkaClients.describeTopics(KafkaClients.bootstrap(brokers), List.of(topic), producerConfig, timeout).get(topic);
    List<String> names = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      names.add(topic + "-" + i);
    }
    return names;
  }

  @Override
  public int partitionFor(KafkaSinkMessage<byte[], byte[]> item, int partitionCount) {
    if (item.topic() != null && !item.topic().equals(topic)) {
      throw new KafkaConnectorException("a KafkaPartitionedSink for topic '" + topic + "' got " + item
          + " for topic '" + item.topic() + "'");
    }
    if (item.partition() != null) {
      if (item.partition() < 0 || item.partition() >= partitionCount) {
        throw new KafkaConnectorException(item + ": topic '" + topic + "' has partitions 0.." + (partitionCount - 1));
      }
      return item.partition();
    }
    if (item.key() != null) {
      return partitionForKey(item.key(), partitionCount);
    }
    return Math.floorMod(Arrays.hashCode(item.value()), partitionCount);
  }

  /** The partition Kafka's default partitioner gives a record with key {@code keyBytes}. */
  public static int partitionForKey(byte[] keyBytes, int partitionCount) {
    return Utils.toPositive(Utils.murmur2(keyBytes)) % partitionCount;
  }

  @Override
  public SinkPartition<KafkaSinkMessage<byte[], byte[]>, Void> buildPartition(String stepId, String partition,
      Void resumeState) {
    int p = KafkaClients.parsePartition(partition).partition();
    ProducerWriter writer = new ProducerWriter(stepId, brokers, topic, p, producerConfig, timeout);
    return new SinkPartition<>() {
      @Override
      public void writeBatch(List<KafkaSinkMessage<byte[], byte[]>> items) {
        writer.write(items);
      }

      @Override
      public Void snapshot() {
        return null;
      }

      @Override
      public void close() {
        writer.close();
      }
    };
  }

  @Override
  public String toString() {
    return "KafkaPartitionedSink[" + String.join(",", brokers) + " " + topic + "]";
  }
}
