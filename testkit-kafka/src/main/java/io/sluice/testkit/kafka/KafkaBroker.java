package io.sluice.testkit.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
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
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real, single-node Kafka broker (KRaft mode) for tests. Share one across the test classes of a
 * test run (it starts once, on first use, and stops when the JVM exits: Testcontainers' singleton
 * pattern):
 *
 * <pre>{@code
 * @RegisterExtension static final KafkaBroker broker = KafkaBroker.shared();
 * }</pre>
 *
 * <p>or give a class a broker of its own, started before its first test and stopped after its last:
 * {@code KafkaBroker.create()}. Where a container engine answers Testcontainers' check
 * ({@code DockerClientFactory.isDockerAvailable()}: Docker, Podman, Colima, a remote
 * {@code DOCKER_HOST}) the broker runs in a container; everywhere else (and whenever the system
 * property {@code sluice.kafka.broker=embedded} is set) it runs in this JVM, which needs
 * {@code sluice-testkit-kafka-embedded} (the Kafka server's jars) on the test classpath. Both run
 * the same Kafka version, {@link #kafkaVersion()}. It can also be used outside JUnit with
 * {@link #start()} and {@link #close()}. It sets no system property and keeps no state outside
 * its instance (besides the one {@link #shared()} instance).
 *
 * <p>Guarantees: {@link #bootstrapServers()} answers once {@link #start()} returned (the broker
 * accepted an Admin request); every helper waits a bounded time ({@link #DEFAULT_TIMEOUT} unless
 * given) and fails with a message instead of hanging. The broker does not create topics on its
 * own ({@code auto.create.topics.enable=false}), so a misspelt topic is an error in tests too.
 * A shared broker keeps its topics between test classes: give each test its own topic, e.g. with
 * {@link #createUniqueTopic(String, int)}.
 */
public final class KafkaBroker implements BeforeAllCallback, AfterAllCallback, AutoCloseable {
  /** How long helpers wait by default. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  /** The property naming the kind of broker {@link #create()} and {@link #shared()} run. */
  public static final String MODE_PROPERTY = "sluice.kafka.broker";

  private static final Object SHARED_LOCK = new Object();
  private static KafkaBroker shared;

  private final Mode requested;
  private final String image;
  private final boolean isShared;
  private BrokerBackend backend;
  private Admin admin;
  private final java.util.concurrent.atomic.AtomicInteger topicCounter = new java.util.concurrent.atomic.AtomicInteger();

  /** Which kind of broker to run. */
  public enum Mode {
    /** Testcontainers if a Docker engine answers, else embedded. */
    AUTO,
    /** In this JVM, from the Kafka server artifacts. */
    EMBEDDED,
    /** In a Docker container (fails without a Docker engine). */
    CONTAINER
  }

  private KafkaBroker(Mode mode, String image, boolean isShared) {
    this.requested = java.util.Objects.requireNonNull(mode, "mode");
    this.image = image;
    this.isShared = isShared;
  }

  /**
   * A broker of its own for one test class (or for {@link #start()}/{@link #close()}), whose kind
   * the system property {@value #MODE_PROPERTY} ({@code embedded}, {@code container} or
   * {@code auto}) decides; by default a container where a container engine answers, embedded
   * elsewhere.
   *
   * @return a broker, not started
   * @throws IllegalArgumentException if the property names no {@link Mode}
   */
  public static KafkaBroker create() {
    return new KafkaBroker(modeFromProperty(), null, false);
  }

  /**
   * A broker of the given kind.
   *
   * @param mode where it runs
   * @return a broker, not started
   */
  public static KafkaBroker create(Mode mode) {
    return new KafkaBroker(mode, null, false);
  }

  /**
   * The one broker of this JVM (a test run's fork), shared by every test class that registers it:
   * started by the first class's {@code beforeAll} (or {@link #start()}), never stopped by a test
   * class, stopped when the JVM exits (a shutdown hook; Testcontainers' Ryuk container also
   * removes a container left behind). Its kind is chosen as for {@link #create()}.
   *
   * @return the shared broker, started or not
   */
  public static KafkaBroker shared() {
    synchronized (SHARED_LOCK) {
      if (shared == null) {
        KafkaBroker b = new KafkaBroker(modeFromProperty(), null, true);
        Runtime.getRuntime().addShutdownHook(new Thread(b::stopNow, "sluice-kafka-broker-stop"));
        shared = b;
      }
      return shared;
    }
  }

  /**
   * The same kind of broker, in a container from another image (e.g. {@code confluentinc/cp-kafka}
   * or an older {@code apache/kafka} to test compatibility); only for {@link Mode#CONTAINER} and
   * {@link Mode#AUTO} on a machine with a container engine.
   *
   * @param dockerImage an image Testcontainers' {@code KafkaContainer} accepts
   * @return a new broker, not started
   */
  public KafkaBroker withImage(String dockerImage) {
    return new KafkaBroker(requested, java.util.Objects.requireNonNull(dockerImage, "dockerImage"), false);
  }

  private static Mode modeFromProperty() {
    String p = System.getProperty(MODE_PROPERTY, "auto").trim().toUpperCase(java.util.Locale.ROOT);
    try {
      return Mode.valueOf(p);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("system property " + MODE_PROPERTY + "=" + System.getProperty(MODE_PROPERTY)
          + ": expected embedded, container or auto", e);
    }
  }

  /**
   * The Kafka version both kinds of broker run: the embedded broker's and {@code kafka-clients}'
   * version this testkit was built with; the container's image is {@code apache/kafka} of it.
   *
   * @return e.g. {@code "4.4.0"}
   */
  public static String kafkaVersion() {
    return KafkaVersionHolder.VERSION;
  }

  private static final class KafkaVersionHolder {
    static final String VERSION = read();

    private static String read() {
      Properties p = new Properties();
      try (var in = KafkaBroker.class.getResourceAsStream("kafka-version.properties")) {
        if (in == null) {
          throw new IllegalStateException("kafka-version.properties is missing from sluice-testkit-kafka");
        }
        p.load(in);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return p.getProperty("kafka.version");
    }
  }

  // ------------------------------------------------------------------ lifecycle

  @Override
  public void beforeAll(ExtensionContext context) {
    start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (!isShared) {
      close();
    }
  }

  /**
   * Starts the broker and waits until it answers; idempotent.
   *
   * @return this broker
   * @throws IllegalStateException if it did not answer within {@link #DEFAULT_TIMEOUT}, or no kind
   *     of broker can run here (no container engine and no {@code sluice-testkit-kafka-embedded})
   */
  public synchronized KafkaBroker start() {
    if (backend != null) {
      return this;
    }
    BrokerBackend b = chooseBackend();
    try {
      b.start(kafkaVersion());
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

  private BrokerBackend chooseBackend() {
    switch (requested) {
      case CONTAINER:
        if (!testcontainersPresent()) {
          throw new IllegalStateException("a Kafka broker in a container needs org.testcontainers:testcontainers-kafka "
              + "on the test classpath (it was excluded)");
        }
        return new ContainerBroker(image);
      case EMBEDDED:
        return embeddedBackend().orElseThrow(() -> new IllegalStateException("an embedded Kafka broker needs "
            + "io.sluice:sluice-testkit-kafka-embedded on the test classpath"));
      default:
        if (testcontainersPresent() && ContainerBroker.dockerAvailable()) {
          return new ContainerBroker(image);
        }
        return embeddedBackend().orElseThrow(() -> new IllegalStateException("no container engine answered "
            + "Testcontainers' check and io.sluice:sluice-testkit-kafka-embedded is not on the test classpath: "
            + "add it (a broker in the test JVM) or start Docker/Podman"));
    }
  }

  /** Whether Testcontainers is on the classpath: a user of the embedded broker only may exclude it. */
  private static boolean testcontainersPresent() {
    try {
      Class.forName("org.testcontainers.kafka.KafkaContainer", false, KafkaBroker.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  private static java.util.Optional<BrokerBackend> embeddedBackend() {
    return java.util.ServiceLoader.load(BrokerBackend.class, KafkaBroker.class.getClassLoader()).findFirst();
  }

  /**
   * Stops the broker and deletes its files; idempotent. A {@link #shared()} broker stops only here
   * or when the JVM exits, never after a test class.
   */
  @Override
  public synchronized void close() {
    stopNow();
  }

  private synchronized void stopNow() {
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

  /**
   * Where clients connect.
   *
   * @return {@code host:port} of the broker, for {@code bootstrap.servers}
   * @throws IllegalStateException if the broker is not running
   */
  public String bootstrapServers() {
    return running().bootstrapServers();
  }

  /**
   * For messages and logs.
   *
   * @return what runs the broker (embedded or container), its Kafka version, and where
   */
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

  /**
   * Creates a topic whose name no other test of this JVM uses ({@code prefix-<n>}), for tests that
   * share a broker, and waits until every partition has a leader.
   *
   * @param prefix the start of the name, e.g. the test's name
   * @param partitions how many partitions
   * @return the topic's name
   */
  public String createUniqueTopic(String prefix, int partitions) {
    String name = prefix + "-" + topicCounter.incrementAndGet();
    createTopic(name, partitions);
    return name;
  }

  /**
   * Sends typed key/value pairs to {@code topic} (Kafka's default partitioner places them by key)
   * and waits until the broker acknowledged every one.
   *
   * <pre>{@code
   * broker.produce("orders", new StringSerializer(), new LongSerializer(),
   *     List.of(Map.entry("alice", 3L), Map.entry("bob", 5L)));
   * }</pre>
   *
   * @param <K> the key type
   * @param <V> the value type
   * @param topic an existing topic
   * @param keySerializer writes the keys (a {@code null} key is sent as no key)
   * @param valueSerializer writes the values
   * @param records the pairs, sent in this order
   * @throws IllegalStateException if an acknowledgement did not come within {@link #DEFAULT_TIMEOUT}
   */
  public <K, V> void produce(String topic, Serializer<K> keySerializer, Serializer<V> valueSerializer,
      List<? extends Map.Entry<? extends K, ? extends V>> records) {
    List<ProducerRecord<byte[], byte[]>> raw = new ArrayList<>(records.size());
    for (Map.Entry<? extends K, ? extends V> r : records) {
      K key = r.getKey();
      raw.add(new ProducerRecord<>(topic, key == null ? null : keySerializer.serialize(topic, key),
          valueSerializer.serialize(topic, r.getValue())));
    }
    produce(raw);
  }

  /**
   * Waits until {@code topic} holds at least {@code count} records (counted from each partition's
   * beginning) and returns them typed, in partition order and offset order within a partition.
   *
   * <pre>{@code
   * List<ConsumerRecord<String, Long>> totals =
   *     broker.awaitRecords("totals", 2, new StringDeserializer(), new LongDeserializer(), Duration.ofSeconds(10));
   * }</pre>
   *
   * @param <K> the key type
   * @param <V> the value type
   * @param topic an existing topic
   * @param count how many records to wait for; more may be returned if more are there
   * @param keyDeserializer reads the keys (closed by this call)
   * @param valueDeserializer reads the values (closed by this call)
   * @param timeout how long to wait at most
   * @return every record read, at least {@code count}
   * @throws AssertionError if fewer than {@code count} arrived within {@code timeout}; its message
   *     lists those that did
   * @throws IllegalArgumentException if the topic does not exist
   */
  public <K, V> List<ConsumerRecord<K, V>> awaitRecords(String topic, int count, Deserializer<K> keyDeserializer,
      Deserializer<V> valueDeserializer, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<ConsumerRecord<K, V>> out = new ArrayList<>();
    KafkaConsumer<K, V> c = new KafkaConsumer<>(consumerProperties(), keyDeserializer, valueDeserializer);
    try {
      List<TopicPartition> tps = partitionsOf(c, topic);
      c.assign(tps);
      c.seekToBeginning(tps);
      while (out.size() < count) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("topic '" + topic + "': expected at least " + count + " records within " + timeout
              + ", got " + out.size() + ": " + listRecords(out));
        }
        for (ConsumerRecord<K, V> r : c.poll(Duration.ofMillis(100))) {
          out.add(r);
        }
      }
    } finally {
      closeNow(c);
    }
    out.sort(java.util.Comparator.<ConsumerRecord<K, V>>comparingInt(ConsumerRecord::partition)
        .thenComparingLong(ConsumerRecord::offset));
    return out;
  }

  /**
   * {@link #awaitRecords awaitRecords} for UTF-8 values, within {@link #DEFAULT_TIMEOUT}.
   *
   * @param topic an existing topic
   * @param count how many values to wait for
   * @return the values, in partition order and offset order within a partition
   */
  public List<String> awaitValues(String topic, int count) {
    List<String> values = new ArrayList<>();
    for (ConsumerRecord<String, String> r
        : awaitRecords(topic, count, new StringDeserializer(), new StringDeserializer(), DEFAULT_TIMEOUT)) {
      values.add(r.value());
    }
    return values;
  }

  private static String listRecords(List<? extends ConsumerRecord<?, ?>> records) {
    StringBuilder b = new StringBuilder("[");
    for (ConsumerRecord<?, ?> r : records) {
      b.append(b.length() > 1 ? ", " : "").append(r.partition()).append('@').append(r.offset()).append(' ')
          .append(r.key()).append('=').append(r.value());
      if (b.length() > 2000) {
        b.append(", ...");
        break;
      }
    }
    return b.append(']').toString();
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
}
