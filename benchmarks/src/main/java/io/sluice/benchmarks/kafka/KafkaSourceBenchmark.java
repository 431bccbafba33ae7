package io.sluice.benchmarks.kafka;

import io.sluice.dataflow.Dataflow;
import io.sluice.kafka.KafkaSource;
import io.sluice.kafka.KafkaSourceMessage;
import io.sluice.outputs.DynamicSink;
import io.sluice.outputs.StatelessSinkPartition;
import io.sluice.run.RunConfig;
import io.sluice.run.Sluice;
import io.sluice.testkit.kafka.KafkaBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * KafkaSource throughput against a plain {@code KafkaConsumer} loop, side by side: one embedded
 * broker, one single-partition topic of N records, then alternating runs of the plain loop and of
 * a one-worker Sluice flow (KafkaSource → counting sink) at batch sizes 1, 100, 1000 and 5000.
 * Each run reads the whole topic from the beginning; the time counted is from creating the
 * consumer (or starting the flow, which lists partitions and opens the consumer) to having seen
 * every record; closing is not counted. Prints the median items/s.
 *
 * <pre>
 *   java -cp ... io.sluice.benchmarks.kafka.KafkaSourceBenchmark [records] [repetitions] [valueBytes]
 * </pre>
 */
public final class KafkaSourceBenchmark {
  private static final String TOPIC = "bench";

  private KafkaSourceBenchmark() {}

  public static void main(String[] args) {
    int records = args.length > 0 ? Integer.parseInt(args[0]) : 2_000_000;
    int reps = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    int valueBytes = args.length > 2 ? Integer.parseInt(args[2]) : 100;
    int[] batchSizes = Arrays.stream(System.getProperty("bench.batchSizes", "1,100,1000,5000").split(","))
        .mapToInt(Integer::parseInt).toArray();

    try (KafkaBroker broker = KafkaBroker.create(KafkaBroker.Mode.EMBEDDED).start()) {
      broker.createTopic(TOPIC, 1);
      produce(broker, records, valueBytes);
      System.out.printf("topic '%s': %,d records of %d bytes, 1 partition; %s%n", TOPIC, records, valueBytes,
          broker.describe());
      System.out.printf("java %s on %d cpus, load average at start %.2f%n", System.getProperty("java.version"),
          Runtime.getRuntime().availableProcessors(),
          java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());

      Map<String, List<Double>> rates = new LinkedHashMap<>();
      // one warm-up round (not counted), then the measured rounds
      for (int rep = 0; rep <= reps; rep++) {
        boolean counted = rep > 0;
        record(rates, "plain KafkaConsumer loop", counted, plain(broker, records, false));
        record(rates, "plain loop, source's settings", counted, plain(broker, records, true));
        for (int b : batchSizes) {
          record(rates, "KafkaSource batchSize " + b, counted, sluice(broker, records, b, null));
        }
        record(rates, "KafkaSource 1000, pollWait 0", counted, sluice(broker, records, 1000, Duration.ZERO));
        System.out.printf("round %d%s done%n", rep, counted ? "" : " (warm-up)");
      }

      double plainMedian = median(rates.get("plain KafkaConsumer loop"));
      System.out.println();
      System.out.printf("load average at end %.2f%n%n",
          java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
      System.out.println("| reader | median items/s | vs plain | runs (items/s) |");
      System.out.println("|---|---:|---:|---|");
      rates.forEach((name, r) -> System.out.printf("| %s | %,.0f | %.1f %% | %s |%n", name, median(r),
          100.0 * median(r) / plainMedian, r.stream().map(x -> String.format("%,.0f", x)).toList()));
    }
  }

  private static void record(Map<String, List<Double>> rates, String name, boolean counted, double rate) {
    System.out.printf("  %-28s %,14.0f items/s%n", name, rate);
    if (counted) {
      rates.computeIfAbsent(name, k -> new ArrayList<>()).add(rate);
    }
  }

  private static void produce(KafkaBroker broker, int records, int valueBytes) {
    Properties p = broker.producerProperties();
    p.put(ProducerConfig.ACKS_CONFIG, "1");
    p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
    byte[] value = new byte[valueBytes];
    Arrays.fill(value, (byte) 'x');
    long t0 = System.nanoTime();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
      for (int i = 0; i < records; i++) {
        producer.send(new ProducerRecord<>(TOPIC, 0, null, value));
      }
      producer.flush();
    }
    System.out.printf("produced %,d records in %.1f s%n", records, (System.nanoTime() - t0) / 1e9);
  }

  /**
   * A plain consumer loop: assign, seek to the beginning, poll (blocking up to 100 ms) until every
   * record was seen. With {@code tuned}, the two settings KafkaSource changes from Kafka's defaults
   * at batch size 1000 ({@code max.poll.records=1000}, {@code receive.buffer.bytes=-1}).
   */
  private static double plain(KafkaBroker broker, int records, boolean tuned) {
    long t0 = System.nanoTime();
    long seen = 0;
    Properties props = broker.consumerProperties();
    if (tuned) {
      props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1000);
      props.put(ConsumerConfig.RECEIVE_BUFFER_CONFIG, -1);
    }
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props)) {
      TopicPartition tp = new TopicPartition(TOPIC, 0);
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      while (seen < records) {
        ConsumerRecords<byte[], byte[]> batch = c.poll(Duration.ofMillis(100));
        seen += batch.count();
      }
      return rate(records, seen, t0, System.nanoTime());
    }
  }

  /** A one-worker Sluice flow: KafkaSource (to the end offsets) → a sink that counts; pollWait null = default. */
  private static double sluice(KafkaBroker broker, int records, int batchSize, Duration pollWait) {
    CountingSink sink = new CountingSink(records);
    Dataflow flow = new Dataflow("kafka-source-bench");
    KafkaSource.Builder source = KafkaSource.builder(broker.bootstrapServers(), TOPIC).batchSize(batchSize);
    if (pollWait != null) {
      source.pollWait(pollWait);
    }
    // -Dbench.consumer.<setting>=<value>: extra consumer settings for the source, for experiments
    System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("bench.consumer."))
        .forEach(k -> source.consumerConfig(k.substring("bench.consumer.".length()), System.getProperty(k)));
    flow.input("in", source.build())
        .output("count", sink);
    long t0 = System.nanoTime();
    Sluice.start(flow, RunConfig.workers(1)).await(Duration.ofMinutes(10));
    return rate(records, sink.seen, t0, sink.lastSeenAt);
  }

  /** Items per second from {@code t0} until the last record was seen (closing the consumer is not counted). */
  private static double rate(int expected, long seen, long t0, long t1) {
    double seconds = (t1 - t0) / 1e9;
    if (seen != expected) {
      throw new IllegalStateException("read " + seen + " records, expected " + expected);
    }
    return expected / seconds;
  }

  private static double median(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    s.sort(null);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  /** Counts items (one worker) and notes when the last expected one arrived; keeps nothing. */
  private static final class CountingSink implements DynamicSink<KafkaSourceMessage<byte[], byte[]>> {
    private final long expected;
    volatile long seen;
    volatile long lastSeenAt;

    CountingSink(long expected) {
      this.expected = expected;
    }

    @Override
    public StatelessSinkPartition<KafkaSourceMessage<byte[], byte[]>> build(String stepId, int workerIndex,
        int workerCount) {
      return items -> {
        long n = seen + items.size();
        seen = n;
        if (n >= expected && lastSeenAt == 0) {
          lastSeenAt = System.nanoTime();
        }
      };
    }
  }
}
