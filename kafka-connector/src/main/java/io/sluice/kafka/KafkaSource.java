package io.sluice.kafka;

import io.sluice.inputs.FixedPartitionedSource;
import io.sluice.inputs.SourcePartition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reads Kafka topics as a fixed-partitioned source: one Sluice partition per Kafka topic
 * partition, named {@code topic-N}. Partitions are listed from the brokers when the run starts;
 * each is read by exactly one worker with its own {@code KafkaConsumer} that is {@code assign}ed
 * the partition (never {@code subscribe}d: no consumer-group rebalancing). A partition's resume
 * state (its snapshot) is the offset of the next record to read; a partition resumed from a snapshot
 * starts there, whatever {@link Builder#startingOffset startingOffset} says.
 *
 * <p>Guarantees:
 * <ul>
 *   <li>Offsets and commits (at-least-once, Flink's {@code KafkaSource} model): Kafka's auto-commit
 *       is always off ({@code enable.auto.commit=true} is refused when the source is built). With a
 *       {@code group.id}, a partition commits an offset to the group only from
 *       {@link SourcePartition#epochComplete}, i.e. once every record before it has been processed
 *       and its output flushed (and, with recovery, snapshotted durably) by every worker; never
 *       while reading and never on close, so a failed run never commits a record whose output was
 *       lost. The committed offset serves lag monitoring and {@link StartingOffset#STORED}; a
 *       failed commit is logged and retried with the next complete epoch.</li>
 *   <li>Records of one partition arrive in offset order, each once per run, in batches of at most
 *       {@link Builder#batchSize batchSize}. Reading never blocks the worker for long: polls have a
 *       zero timeout, except that right after a non-empty poll one may wait up to
 *       {@link Builder#pollWait pollWait} (1 ms) for the fetch already on its way.</li>
 *   <li>By default ({@code tail(false)}) each partition stops at the end offset it had when it
 *       was opened, so a finite run terminates; with {@code tail(true)} it keeps reading.</li>
 *   <li>An unknown topic, or brokers that do not answer within {@link Builder#metadataTimeout
 *       metadataTimeout} (default 10 s), fail the run when it starts, naming the topics and brokers.</li>
 *   <li>A partition read up to its end offset that stops making progress below it for
 *       {@link Builder#stallTimeout stallTimeout} (default 30 s), e.g. because the brokers went
 *       away in the middle of the run, fails like a failing read instead of waiting forever.
 *       Tailing partitions wait for brokers as long as the Kafka client does; one that makes no
 *       progress for {@code stallTimeout} while the brokers last reported records it has not read
 *       logs a warning (once per stall; and when it progresses again).</li>
 *   <li>A failing read stops the run with a {@link KafkaConnectorException} naming the partition
 *       and offset, or, with {@link Builder#raiseOnErrors raiseOnErrors(false)} and
 *       {@link KafkaOps#input}, flows on as a {@link KafkaError} in the errors stream.</li>
 * </ul>
 *
 * <pre>{@code
 * KafkaSource src = KafkaSource.builder("localhost:9092", "orders").batchSize(500).build();
 * flow.input("orders", src).map("parse", m -> parse(m.value()))...
 * }</pre>
 */
public final class KafkaSource implements FixedPartitionedSource<KafkaSourceMessage<byte[], byte[]>, Long> {
  /** Default records per batch. */
  public static final int DEFAULT_BATCH_SIZE = 1000;
  /** Default bound on listing partitions and opening a partition. */
  public static final Duration DEFAULT_METADATA_TIMEOUT = Duration.ofSeconds(10);
  /** Default {@link Builder#pollWait}. */
  public static final Duration DEFAULT_POLL_WAIT = Duration.ofMillis(1);
  /** Default {@link Builder#stallTimeout}. */
  public static final Duration DEFAULT_STALL_TIMEOUT = Duration.ofSeconds(30);
  private static final String ENABLE_AUTO_COMMIT = "enable.auto.commit";

  final List<String> brokers;
  final List<String> topics;
  final int batchSize;
  final StartingOffset startingOffset;
  final boolean tail;
  final Map<String, Object> consumerConfig;
  final boolean raiseOnErrors;
  final Duration metadataTimeout;
  final Duration pollWait;
  final Duration stallTimeout;

  /**
   * All partitions of {@code topics} on {@code brokers}, from the beginning to the end offsets
   * present when each partition opens, in batches of {@value #DEFAULT_BATCH_SIZE}.
   */
  public KafkaSource(List<String> brokers, List<String> topics) {
    this(new Builder(brokers, topics));
  }

  private KafkaSource(Builder b) {
    this.brokers = List.copyOf(b.brokers);
    this.topics = List.copyOf(b.topics);
    KafkaClients.bootstrap(brokers);
    if (topics.isEmpty()) {
      throw new IllegalArgumentException("a KafkaSource needs at least one topic");
    }
    this.batchSize = b.batchSize;
    this.startingOffset = b.startingOffset;
    this.tail = b.tail;
    this.consumerConfig = Map.copyOf(b.consumerConfig);
    this.raiseOnErrors = b.raiseOnErrors;
    this.metadataTimeout = b.metadataTimeout;
    this.pollWait = b.pollWait;
    this.stallTimeout = b.stallTimeout;
    if (startingOffset == StartingOffset.STORED && !consumerConfig.containsKey("group.id")) {
      throw new IllegalArgumentException("StartingOffset.STORED needs a consumer group: add group.id to the consumer config");
    }
    Object autoCommit = consumerConfig.get(ENABLE_AUTO_COMMIT);
    if (autoCommit != null && !"false".equalsIgnoreCase(autoCommit.toString().trim())) {
      throw new IllegalArgumentException("KafkaSource " + topics + ": consumer setting " + ENABLE_AUTO_COMMIT + "="
          + autoCommit + " is not allowed: Kafka's auto-commit would commit offsets of records whose output is not"
          + " durable yet (lost on a failure). The source keeps its offsets in its snapshots and, with a group.id,"
          + " commits them to the group itself once their epoch is complete. Remove the setting (or set it to false).");
    }
  }

  /** Starts a builder for {@code topics} on {@code bootstrapServers} ({@code host:port[,host:port...]}). */
  public static Builder builder(String bootstrapServers, String... topics) {
    return new Builder(List.of(bootstrapServers.split(",")), List.of(topics));
  }

  /** Starts a builder for {@code topics} on {@code brokers}. */
  public static Builder builder(List<String> brokers, List<String> topics) {
    return new Builder(brokers, topics);
  }

  /** The options of a {@link KafkaSource}; {@link #build()} checks them. */
  public static final class Builder {
    private final List<String> brokers;
    private final List<String> topics;
    private int batchSize = DEFAULT_BATCH_SIZE;
    private StartingOffset startingOffset = StartingOffset.BEGINNING;
    private boolean tail;
    private final Map<String, Object> consumerConfig = new LinkedHashMap<>();
    private boolean raiseOnErrors = true;
    private Duration metadataTimeout = DEFAULT_METADATA_TIMEOUT;
    private Duration pollWait = DEFAULT_POLL_WAIT;
    private Duration stallTimeout = DEFAULT_STALL_TIMEOUT;

    private Builder(List<String> brokers, List<String> topics) {
      this.brokers = new ArrayList<>(Objects.requireNonNull(brokers, "brokers"));
      this.topics = new ArrayList<>(Objects.requireNonNull(topics, "topics"));
    }

    /** At most this many records per batch (default 1000); also the consumer's {@code max.poll.records}. */
    public Builder batchSize(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("batchSize must be at least 1, got " + n);
      }
      this.batchSize = n;
      return this;
    }

    /** Where partitions without resume state start (default {@link StartingOffset#BEGINNING}). */
    public Builder startingOffset(StartingOffset s) {
      this.startingOffset = Objects.requireNonNull(s, "startingOffset");
      return this;
    }

    /**
     * {@code true}: keep reading new records forever; {@code false} (default): each partition ends
     * at the end offset it had when it was opened.
     */
    public Builder tail(boolean keepReading) {
      this.tail = keepReading;
      return this;
    }

    /**
     * An extra consumer setting ({@code group.id}, security settings, {@code isolation.level}, ...).
     * The source sets the deserializers (bytes), {@code max.poll.records} (= batch size) and
     * {@code enable.auto.commit=false} ({@link #build()} refuses {@code true}: see the class
     * comment on commits); its defaults, which this overrides, are
     * {@code auto.offset.reset=earliest}, {@code receive.buffer.bytes=-1} and request timeouts of
     * {@link #metadataTimeout}.
     */
    public Builder consumerConfig(String key, Object value) {
      this.consumerConfig.put(Objects.requireNonNull(key), Objects.requireNonNull(value));
      return this;
    }

    /** Extra consumer settings, see {@link #consumerConfig(String, Object)}. */
    public Builder consumerConfig(Map<String, ?> config) {
      config.forEach(this::consumerConfig);
      return this;
    }

    /**
     * {@code true} (default): a failing read stops the run. {@code false}: read through
     * {@link KafkaOps#input}, the failure becomes a {@link KafkaError} in the errors stream; a record
     * the client cannot parse is skipped, any other failure is retried every 100 ms when tailing,
     * and ends the partition (after its error item) when stopping at end offsets, so a bounded run
     * still ends.
     */
    public Builder raiseOnErrors(boolean raise) {
      this.raiseOnErrors = raise;
      return this;
    }

    /** How long listing partitions and opening one may take before failing (default 10 s). */
    public Builder metadataTimeout(Duration d) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("metadataTimeout must be positive, got " + d);
      }
      this.metadataTimeout = d;
      return this;
    }

    /**
     * How long one poll may wait for data right after a poll that returned records (default 1 ms;
     * zero: never wait). While records stream in, the next fetch is then usually on its way, and
     * waiting briefly on the socket reads it as soon as it lands instead of idling past it. Polls
     * of an idle partition never wait, so the worker is held at most this long, and only while
     * data flows.
     */
    public Builder pollWait(Duration d) {
      if (d.isNegative() || d.compareTo(Duration.ofMillis(100)) > 0) {
        throw new IllegalArgumentException("pollWait must be between 0 and 100 ms, got " + d);
      }
      this.pollWait = d;
      return this;
    }

    /**
     * How long a partition read up to its end offset ({@code tail(false)}) may go without progress
     * while below that offset before the read counts as failed (default 30 s): the brokers went
     * away, or stopped serving the partition. Progress is measured only while the partition is
     * polled, so a worker held up downstream does not count. Keep it well above the consumer's
     * {@code fetch.max.wait.ms}.
     */
    public Builder stallTimeout(Duration d) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("stallTimeout must be positive, got " + d);
      }
      this.stallTimeout = d;
      return this;
    }

    /**
     * The source these options describe.
     *
     * @throws IllegalArgumentException for {@code STORED} without a {@code group.id}, or
     *                                  {@code enable.auto.commit} other than {@code false}
     */
    public KafkaSource build() {
      return new KafkaSource(this);
    }
  }

  /**
   * The {@code topic-N} names of every partition of the source's topics, sorted by topic then
   * partition number.
   *
   * @throws KafkaConnectorException for unknown topics or brokers that do not answer in time
   */
  @Override
  public List<String> listPartitions() {
    Map<String, Integer> counts = KafkaClients.describeTopics(KafkaClients.bootstrap(brokers), topics, consumerConfig,
        metadataTimeout);
    List<String> names = new ArrayList<>();
    counts.forEach((topic, n) -> {
      for (int i = 0; i < n; i++) {
        names.add(topic + "-" + i);
      }
    });
    return names;
  }

  @Override
  @SuppressWarnings({"unchecked", "rawtypes"})
  public SourcePartition<KafkaSourceMessage<byte[], byte[]>, Long> buildPartition(String stepId, String partition,
      Long resumeState) {
    return (SourcePartition) new KafkaPartitionReader(this, stepId, partition, resumeState, true);
  }

  /**
   * This source as one that hands read failures on as {@link KafkaError} items (unless
   * {@code raiseOnErrors} is set): what {@link KafkaOps#input} reads.
   */
  public FixedPartitionedSource<KafkaResult<byte[], byte[]>, Long> withErrorItems() {
    KafkaSource self = this;
    return new FixedPartitionedSource<>() {
      @Override
      public List<String> listPartitions() {
        return self.listPartitions();
      }

      @Override
      @SuppressWarnings({"unchecked", "rawtypes"})
      public SourcePartition<KafkaResult<byte[], byte[]>, Long> buildPartition(String stepId, String partition,
          Long resumeState) {
        return (SourcePartition) new KafkaPartitionReader(self, stepId, partition, resumeState, self.raiseOnErrors);
      }
    };
  }

  @Override
  public String toString() {
    return "KafkaSource[" + String.join(",", brokers) + " " + topics + " batch=" + batchSize + " from=" + startingOffset
        + (tail ? " tail" : " to end offsets") + "]";
  }
}
