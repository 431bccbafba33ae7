package io.sluice.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.KV;
import io.sluice.recovery.RecoveryStore;
import io.sluice.run.RecoveryConfig;
import io.sluice.run.RunConfig;
import io.sluice.run.RunningDataflow;
import io.sluice.run.Sluice;
import io.sluice.run.StepFailedException;
import io.sluice.testkit.kafka.KafkaBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A KafkaSource → keyed running count flow with recovery on, crashed in the middle of its input and
 * resumed from the recovery store: nothing lost, and nothing the snapshot covers read again.
 */
class KafkaResumeTest {
  private static final Duration RUN_TIMEOUT = Duration.ofSeconds(60);
  private static final int PARTITIONS = 2;
  /** Records per partition before the crash point (batch A), and after it (batch B). */
  private static final int PER_BATCH = 120;
  private static final int KEYS = 7;

  @RegisterExtension
  static final KafkaBroker broker = KafkaBroker.create();

  /** What one run read and wrote; one per run, shared with the flow's steps (no static state). */
  static final class Observed {
    final Map<Integer, List<Long>> offsetsRead = new ConcurrentHashMap<>();
    final ListSink<KV<String, Long>> counts = new ListSink<>();

    int read() {
      return offsetsRead.values().stream().mapToInt(List::size).sum();
    }
  }

  /**
   * The crash point: while armed, the step throws on every record at or after offset
   * {@value #PER_BATCH} (batch B), so no epoch holding a record of batch B completes in the
   * crashed run.
   */
  static final class CrashSwitch {
    final AtomicBoolean armed = new AtomicBoolean();
    final ConcurrentLinkedQueue<String> thrownOn = new ConcurrentLinkedQueue<>();
  }

  private static Dataflow flow(String topic, String group, boolean tail, CrashSwitch crash, Observed seen) {
    Dataflow flow = new Dataflow("kafka-resume");
    flow.input("in", KafkaSource.builder(broker.bootstrapServers(), topic)
            .batchSize(10)
            .tail(tail)
            // the group only receives commits: here they tell the test which epochs completed
            .consumerConfig("group.id", group)
            .build())
        .inspect("read", m -> seen.offsetsRead.computeIfAbsent(m.partition(), p -> new ArrayList<>()).add(m.offset()))
        .map("crash-point", m -> {
          if (crash.armed.get() && m.offset() >= PER_BATCH) {
            crash.thrownOn.add(m.topic() + "-" + m.partition() + "@" + m.offset());
            throw new IllegalStateException("injected crash at " + m.topic() + "-" + m.partition() + "@" + m.offset());
          }
          return new String(m.value(), UTF_8);
        })
        .keyOn("key", v -> v.substring(0, v.indexOf(':')))
        .statefulMap("running-count", (io.sluice.dataflow.ValueState<Long> state, String v) -> {
          long n = state.getOrDefault(0L) + 1;
          state.set(n);
          return n;
        })
        .output("out", seen.counts);
    return flow;
  }

  /** Values "k<j>:<partition>-<offset>" for offsets {@code from} until {@code from + n}. */
  private static void produce(String topic, int from, int n) {
    for (int p = 0; p < PARTITIONS; p++) {
      int part = p;
      broker.produceStrings(topic, p, IntStream.range(from, from + n)
          .mapToObj(i -> "k" + (i * 3 + part) % KEYS + ":" + part + "-" + i).toList());
    }
  }

  private static Map<Integer, Long> committed(String group, String topic) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> offsets = broker.admin().listConsumerGroupOffsets(group)
        .partitionsToOffsetAndMetadata().get();
    Map<Integer, Long> out = new TreeMap<>();
    offsets.forEach((tp, o) -> {
      if (tp.topic().equals(topic)) {
        out.put(tp.partition(), o.offset());
      }
    });
    return out;
  }

  /** Crashed at 2 workers, resumed at 1, 2 or 3 (rescaled: each key rebuilt on its worker now). */
  @ParameterizedTest(name = "2 workers, resumed at {0}")
  @ValueSource(ints = {2, 1, 3})
  void aCrashedRunResumesAfterItsSnapshotOffsetsLosingNothing(int resumeWorkers, @TempDir Path recoveryDir)
      throws Exception {
    String topic = "resume-counts-" + resumeWorkers;
    String group = "sluice-resume-counts-" + resumeWorkers;
    broker.createTopic(topic, PARTITIONS);
    produce(topic, 0, PER_BATCH);
    RecoveryStore.init(recoveryDir, 3);
    RunConfig config = RunConfig.workers(2).withEpochInterval(Duration.ofMillis(50))
        .withRecovery(RecoveryConfig.in(recoveryDir));

    // run 1 tails the topic; once an epoch covering all of batch A is complete (the group's offsets
    // say so), batch B arrives and the armed crash point fails the run on it
    CrashSwitch crash = new CrashSwitch();
    Observed first = new Observed();
    RunningDataflow running = Sluice.start(flow(topic, group, true, crash, first), config);
    try {
      await("an epoch covering batch A to complete").atMost(RUN_TIMEOUT)
          .untilAsserted(() -> assertThat(committed(group, topic)).containsOnly(
              Map.entry(0, (long) PER_BATCH), Map.entry(1, (long) PER_BATCH)));
      crash.armed.set(true);
      produce(topic, PER_BATCH, PER_BATCH);
      assertThatThrownBy(() -> running.await(RUN_TIMEOUT))
          .isInstanceOf(StepFailedException.class)
          .hasMessageContaining("'crash-point'")
          .rootCause().isInstanceOf(IllegalStateException.class).hasMessageStartingWith("injected crash at ");
      assertThat(crash.thrownOn).as("records the crash point threw on").isNotEmpty()
          .allSatisfy(r -> assertThat(Long.parseLong(r.substring(r.indexOf('@') + 1))).isGreaterThanOrEqualTo(PER_BATCH));
    } finally {
      running.cancel();
    }
    assertThat(first.read()).as("records read by the crashed run").isGreaterThanOrEqualTo(PARTITIONS * PER_BATCH);

    // run 2 resumes from the same recovery directory, crash point disarmed, to the end of the topic
    Observed second = new Observed();
    Sluice.start(flow(topic, group, false, new CrashSwitch(), second), config.withWorkers(resumeWorkers))
        .await(RUN_TIMEOUT);

    for (int p = 0; p < PARTITIONS; p++) {
      assertThat(second.offsetsRead.get(p)).as("offsets of partition %d read by the resumed run", p)
          .containsExactlyElementsOf(IntStream.range(PER_BATCH, 2 * PER_BATCH).mapToObj(i -> (long) i).toList());
    }
    assertThat(second.read()).as("records read by the resumed run: batch B only").isEqualTo(PARTITIONS * PER_BATCH);

    // the running counts of both runs together: each key counted 1..n exactly once, n its records in A and B
    Map<String, Long> expected = new TreeMap<>();
    for (int p = 0; p < PARTITIONS; p++) {
      for (int i = 0; i < 2 * PER_BATCH; i++) {
        expected.merge("k" + (i * 3 + p) % KEYS, 1L, Long::sum);
      }
    }
    Map<String, List<Long>> countsPerKey = new TreeMap<>();
    List<KV<String, Long>> all = new ArrayList<>(first.counts.items());
    all.addAll(second.counts.items());
    all.forEach(kv -> countsPerKey.computeIfAbsent(kv.key(), k -> new ArrayList<>()).add(kv.value()));
    assertThat(countsPerKey.keySet()).isEqualTo(expected.keySet());
    expected.forEach((key, n) -> assertThat(countsPerKey.get(key)).as("running counts of key %s over both runs", key)
        .containsExactlyInAnyOrderElementsOf(IntStream.rangeClosed(1, n.intValue()).mapToObj(i -> (long) i).toList()));
    // (the group's offsets at the end of a run: KafkaAtLeastOnceTest)
  }

  /**
   * Bytewax's continuation with Kafka at both ends: a run with recovery ends at the topic's end
   * offsets; run again with the same recovery directory after more records arrived, it reads only
   * the new ones, and the output topic (written by a {@link KafkaPartitionedSink}, whose partitions
   * snapshot no state) holds every record exactly once.
   */
  @org.junit.jupiter.api.Test
  void aKafkaToKafkaFlowContinuesAfterEndOfInput(@TempDir Path recoveryDir) {
    String in = "continue-in";
    String out = "continue-out";
    broker.createTopic(in, PARTITIONS);
    broker.createTopic(out, 3);
    produce(in, 0, 50);
    RecoveryStore.init(recoveryDir, 2);
    RunConfig config = RunConfig.workers(2).withEpochInterval(Duration.ofMillis(200))
        .withRecovery(RecoveryConfig.in(recoveryDir));

    Observed first = new Observed();
    Sluice.start(copyFlow(in, out, first), config).await(RUN_TIMEOUT);
    assertThat(first.read()).isEqualTo(PARTITIONS * 50);
    assertThat(broker.readValues(out)).hasSize(PARTITIONS * 50);

    produce(in, 50, 30);
    Observed second = new Observed();
    Sluice.start(copyFlow(in, out, second), config.withWorkers(3)).await(RUN_TIMEOUT);
    for (int p = 0; p < PARTITIONS; p++) {
      assertThat(second.offsetsRead.get(p)).as("offsets of partition %d read by the continued run", p)
          .containsExactlyElementsOf(IntStream.range(50, 80).mapToObj(i -> (long) i).toList());
    }
    List<String> expected = new ArrayList<>();
    for (int p = 0; p < PARTITIONS; p++) {
      for (int i = 0; i < 80; i++) {
        expected.add("k" + (i * 3 + p) % KEYS + ":" + p + "-" + i);
      }
    }
    assertThat(broker.readValues(out)).containsExactlyInAnyOrderElementsOf(expected);
  }

  private static Dataflow copyFlow(String in, String out, Observed seen) {
    Dataflow flow = new Dataflow("kafka-continue");
    flow.input("in", KafkaSource.builder(broker.bootstrapServers(), in).build())
        .inspect("read", m -> seen.offsetsRead.computeIfAbsent(m.partition(), p -> new ArrayList<>()).add(m.offset()))
        .map("to-record", m -> KafkaSinkMessage.<byte[], byte[]>of(m.key(), m.value()))
        .output("out", KafkaPartitionedSink.of(broker.bootstrapServers(), out));
    return flow;
  }

  /**
   * At-least-once from Kafka to Kafka across a crash: the sink's producer lingers for a minute, so
   * only its flush in {@code writeBatch} puts records in the topic. When the group's offsets show
   * that the epoch covering batch A completed, every output record of batch A must already be in
   * the output topic; after the crash on batch B and the resume, the output topic holds every
   * record, and duplicates only of batch B (read after the last complete epoch).
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"KafkaSink", "KafkaPartitionedSink"})
  void kafkaToKafkaLosesNothingAcrossACrash(String sinkKind, @TempDir Path recoveryDir) throws Exception {
    String in = "crash-in-" + sinkKind;
    String out = "crash-out-" + sinkKind;
    String group = "sluice-crash-" + sinkKind;
    broker.createTopic(in, PARTITIONS);
    broker.createTopic(out, 2);
    produce(in, 0, PER_BATCH);
    RecoveryStore.init(recoveryDir, 2);
    RunConfig config = RunConfig.workers(2).withEpochInterval(Duration.ofMillis(50))
        .withRecovery(RecoveryConfig.in(recoveryDir));

    CrashSwitch crash = new CrashSwitch();
    RunningDataflow running = Sluice.start(kafkaToKafka(in, out, group, true, crash, sinkKind), config);
    try {
      await("an epoch covering batch A to complete").atMost(RUN_TIMEOUT)
          .untilAsserted(() -> assertThat(committed(group, in)).containsOnly(
              Map.entry(0, (long) PER_BATCH), Map.entry(1, (long) PER_BATCH)));
      assertThat(broker.readValues(out)).as("output in Kafka once the epoch covering batch A is complete")
          .containsExactlyInAnyOrderElementsOf(values(0, PER_BATCH));
      crash.armed.set(true);
      produce(in, PER_BATCH, PER_BATCH);
      assertThatThrownBy(() -> running.await(RUN_TIMEOUT)).isInstanceOf(StepFailedException.class)
          .hasMessageContaining("'crash-point'");
    } finally {
      running.cancel();
    }

    Sluice.start(kafkaToKafka(in, out, group, false, new CrashSwitch(), sinkKind), config).await(RUN_TIMEOUT);
    List<String> written = broker.readValues(out);
    assertThat(written).as("every record in the output topic").containsAll(values(0, 2 * PER_BATCH));
    List<String> duplicates = new ArrayList<>(written);
    values(0, 2 * PER_BATCH).forEach(duplicates::remove);
    assertThat(duplicates).as("records written twice").isSubsetOf(values(PER_BATCH, PER_BATCH));
  }

  /** The values {@link #produce} gives offsets {@code from} until {@code from + n} of every partition. */
  private static List<String> values(int from, int n) {
    List<String> out = new ArrayList<>();
    for (int p = 0; p < PARTITIONS; p++) {
      for (int i = from; i < from + n; i++) {
        out.add("k" + (i * 3 + p) % KEYS + ":" + p + "-" + i);
      }
    }
    return out;
  }

  private static Dataflow kafkaToKafka(String in, String out, String group, boolean tail, CrashSwitch crash,
      String sinkKind) {
    // a producer that lingers a minute: only the sink's flush puts records in the topic
    Map<String, Object> lingering = Map.of("linger.ms", 60_000);
    List<String> brokers = List.of(broker.bootstrapServers());
    Dataflow flow = new Dataflow("kafka-to-kafka");
    var records = flow.input("in", KafkaSource.builder(broker.bootstrapServers(), in)
            .batchSize(10).tail(tail).consumerConfig("group.id", group).build())
        .map("crash-point", m -> {
          if (crash.armed.get() && m.offset() >= PER_BATCH) {
            throw new IllegalStateException("injected crash at " + m.topic() + "-" + m.partition() + "@" + m.offset());
          }
          return KafkaSinkMessage.<byte[], byte[]>of(m.value(), m.value());
        });
    if (sinkKind.equals("KafkaSink")) {
      records.output("out", new KafkaSink(brokers, out, lingering, Duration.ofSeconds(10)));
    } else {
      records.output("out", new KafkaPartitionedSink(brokers, out, lingering, Duration.ofSeconds(10)));
    }
    return flow;
  }
}
