package io.sluice.testkit.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real, single-node Kafka broker (KRaft mode) for tests. Register it once per test class:
 *
 * <pre>{@code
 * @RegisterExtension static final KafkaBroker broker = KafkaBroker.create();
 * }</pre>
 *
 * <p>It starts before the class's first test and stops after its last one. Where a Docker engine
 * answers it runs in a Testcontainers container; everywhere else (and whenever the system property
 * {@code sluice.kafka.broker=embedded} is set) it runs in this JVM, built from the Kafka server's
 * main artifacts ({@code kafka_2.13}), with its own temporary directory that is deleted on stop.
 * It can also be used outside JUnit with {@link #start()} and {@link #close()}.
 *
 * <p>Guarantees: {@link #bootstrapServers()} answers once {@link #start()} returned (the broker
 * accepted an Admin request); every helper waits a bounded time ({@link #DEFAULT_TIMEOUT} unless
 * given) and fails with a message instead of hanging. The broker does not create topics on its
 * own ({@code auto.create.topics.enable=false}), so a misspelt topic is an error in tests too.
 */
public final class KafkaBroker implements BeforeAllCallback, AfterAllCallback, AutoCloseable {
  /** How long helpers wait by default. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  private final Mode requested;
  private BrokerBackend backend;
  private Admin admin;

  /** Which kind of broker to run. */
  public enum Mode {
    /** Testcontainers if a Docker engine answers, else embedded. */
    AUTO,
    /** In this JVM, from the Kafka server artifacts. */
    EMBEDDED,
    /** In a Docker container (fails without a Docker engine). */
    CONTAINER
  }

  private KafkaBroker(Mode mode) {
    this.requested = mode;
  }

  /**
   * A broker that picks its kind itself: the system property {@code sluice.kafka.broker}
   * ({@code embedded}, {@code container} or {@code auto}) decides; by default Testcontainers where
   * a Docker engine answers, embedded elsewhere.
   */
  public static KafkaBroker create() {
    String p = System.getProperty("sluice.kafka.broker", "auto").trim().toUpperCase(java.util.Locale.ROOT);
    return new KafkaBroker(Mode.valueOf(p));
  }

  /** A broker of the given kind. */
  public static KafkaBroker create(Mode mode) {
    return new KafkaBroker(mode);
  }

  // ------------------------------------------------------------------ lifecycle

  @Override
  public void beforeAll(ExtensionContext context) {
    start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    close();
  }

  /** Starts the broker and waits until it answers; idempotent. */
  public synchronized KafkaBroker start() {
    if (backend != null) {
      return this;
    }
    Mode mode = requested;
    if (mode == Mode.AUTO) {
      mode = ContainerBroker.dockerAvailable() ? Mode.CONTAINER : Mode.EMBEDDED;
    }
    BrokerBackend b = mode == Mode.CONTAINER ? new ContainerBroker() : new EmbeddedBroker();
    try {
      b.start();
      Properties props = new Properties();
      props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, b.bootstrapServers());
      props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) DEFAULT_TIMEOUT.toMillis());
      props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
      Admin a = Admin.create(props);
      try {
        a.describeCluster().nodes().get(DEFAULT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        a.close(Duration.ZERO);
        throw new IllegalStateException("Kafka broker (" + b.describe() + ") did not answer within " + DEFAULT_TIMEOUT, e);
      }
      this.admin = a;
      this.backend = b;
    } catch (RuntimeException e) {
      b.stop();
      throw e;
    }
    return this;
  }

  /** Stops the broker and deletes its files; idempotent. */
  @Override
  public synchronized void close() {
    if (admin != null) {
      admin.close(Duration.ofSeconds(2));
      admin = null;
    }
    if (backend != null) {
      backend.stop();
      backend = null;
    }
  }

  private BrokerBackend running() {
    if (backend == null) {
      throw new IllegalStateException("the Kafka broker is not running: register it with @RegisterExtension "
          + "on a static field, or call start()");
    }
    return backend;
  }

  /** {@code host:port} of the broker, for {@code bootstrap.servers}. */
  public String bootstrapServers() {
    return running().bootstrapServers();
  }

  /** What runs the broker (embedded or container) and where. */
  public String describe() {
    return running().describe();
  }

  // ------------------------------------------------------------------ helpers

  /** An Admin client on this broker, owned by the broker (do not close it). */
  public Admin admin() {
    running();
    return admin;
  }

  /** Creates {@code name} with {@code partitions} partitions and waits until every partition has a leader. */
  public void createTopic(String name, int partitions) {
    createTopic(name, partitions, Map.of());
  }

  /** Creates a topic with extra topic configs and waits until every partition has a leader. */
  public void createTopic(String name, int partitions, Map<String, String> configs) {
    NewTopic t = new NewTopic(name, partitions, (short) 1).configs(configs);
    await(admin().createTopics(List.of(t)).all(), "creating topic '" + name + "'");
    long deadline = System.nanoTime() + DEFAULT_TIMEOUT.toNanos();
    while (true) {
      try {
        TopicDescription d = admin.describeTopics(List.of(name)).allTopicNames()
            .get(DEFAULT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).get(name);
        if (d.partitions().size() == partitions && d.partitions().stream().allMatch(p -> p.leader() != null)) {
          return;
        }
      } catch (ExecutionException e) {
        // metadata not propagated yet: ask again
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for topic '" + name + "'", e);
      } catch (TimeoutException e) {
        throw new IllegalStateException("topic '" + name + "' not described within " + DEFAULT_TIMEOUT, e);
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("topic '" + name + "' has no leader for all " + partitions
            + " partitions after " + DEFAULT_TIMEOUT);
      }
      Thread.onSpinWait();
    }
  }

  /** Producer properties for this broker (byte-array serializers, acks=all, idempotent). */
  public Properties producerProperties() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) DEFAULT_TIMEOUT.toMillis());
    return p;
  }

  /** Consumer properties for this broker (byte-array deserializers, no group, earliest). */
  public Properties consumerProperties() {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) DEFAULT_TIMEOUT.toMillis());
    return p;
  }

  /** Sends {@code records} and waits until the broker acknowledged every one. */
  public void produce(Collection<ProducerRecord<byte[], byte[]>> records) {
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProperties())) {
      List<Future<?>> acks = new ArrayList<>(records.size());
      for (ProducerRecord<byte[], byte[]> r : records) {
        acks.add(producer.send(r));
      }
      producer.flush();
      for (Future<?> f : acks) {
        await(f, "producing to the test broker");
      }
    }
  }

  /** Sends UTF-8 {@code values} without keys to one partition of {@code topic}, in order. */
  public void produceStrings(String topic, int partition, List<String> values) {
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(values.size());
    for (String v : values) {
      records.add(new ProducerRecord<>(topic, partition, null, utf8(v)));
    }
    produce(records);
  }

  /** Sends UTF-8 key/value pairs to {@code topic}; Kafka's default partitioner places them by key. */
  public void produceKeyed(String topic, List<Map.Entry<String, String>> keyValues) {
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(keyValues.size());
    for (Map.Entry<String, String> kv : keyValues) {
      records.add(new ProducerRecord<>(topic, kv.getKey() == null ? null : utf8(kv.getKey()), utf8(kv.getValue())));
    }
    produce(records);
  }

  /** The end offset of every partition of {@code topic} (the offset the next record would get). */
  public Map<TopicPartition, Long> endOffsets(String topic) {
    KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProperties());
    try {
      List<TopicPartition> tps = partitionsOf(c, topic);
      return c.endOffsets(tps, DEFAULT_TIMEOUT);
    } finally {
      closeNow(c);
    }
  }

  /**
   * Every record of {@code topic} present now: reads each partition from its beginning up to the
   * end offset it has when this method is called. Records are in partition order, and in offset
   * order within a partition.
   */
  public List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
    return readAll(topic, DEFAULT_TIMEOUT);
  }

  /** {@link #readAll(String)} with a bound on how long reading may take. */
  public List<ConsumerRecord<byte[], byte[]>> readAll(String topic, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProperties());
    try {
      List<TopicPartition> tps = partitionsOf(c, topic);
      Map<TopicPartition, Long> ends = c.endOffsets(tps, timeout);
      c.assign(tps);
      c.seekToBeginning(tps);
      List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
      for (TopicPartition tp : tps) {
        c.assign(List.of(tp));
        long end = ends.get(tp);
        while (c.position(tp, timeout) < end) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("reading " + tp + " did not reach end offset " + end + " within " + timeout
                + " (at " + c.position(tp) + ")");
          }
          for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(100))) {
            if (r.offset() < end) {
              out.add(r);
            }
          }
        }
      }
      return out;
    } finally {
      closeNow(c);
    }
  }

  /** Closes a group-less consumer without waiting for its fetch session's goodbye (up to fetch.max.wait.ms). */
  private static void closeNow(KafkaConsumer<?, ?> c) {
    c.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ZERO));
  }

  /** The values of {@link #readAll(String)} as UTF-8 strings. */
  public List<String> readValues(String topic) {
    List<String> out = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : readAll(topic)) {
      out.add(r.value() == null ? null : new String(r.value(), StandardCharsets.UTF_8));
    }
    return out;
  }

  private static List<TopicPartition> partitionsOf(KafkaConsumer<?, ?> c, String topic) {
    List<TopicPartition> tps = new ArrayList<>();
    var infos = c.partitionsFor(topic, DEFAULT_TIMEOUT);
    if (infos == null || infos.isEmpty()) {
      throw new IllegalArgumentException("topic '" + topic + "' does not exist on the test broker");
    }
    infos.forEach(i -> tps.add(new TopicPartition(i.topic(), i.partition())));
    tps.sort(java.util.Comparator.comparingInt(TopicPartition::partition));
    return tps;
  }

  private static byte[] utf8(String s) {
    return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
  }

  private static <T> T await(Future<T> f, String what) {
    try {
      return f.get(DEFAULT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while " + what, e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(what + " failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException(what + " did not finish within " + DEFAULT_TIMEOUT, e);
    }
  }

  static void deleteTree(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException("could not delete " + dir, e);
    }
  }

  /** One way of running a broker. */
  interface BrokerBackend {
    void start();

    String bootstrapServers();

    String describe();

    void stop();
  }
}
