package io.sluice.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import io.sluice.inputs.SourcePartition;
import io.sluice.outputs.StatelessSinkPartition;
import io.sluice.recovery.RecoveryStore;
import io.sluice.run.RecoveryConfig;
import io.sluice.run.RunConfig;
import io.sluice.run.Sluice;
import io.sluice.run.StepFailedException;
import io.sluice.testkit.kafka.KafkaBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * At-least-once with Kafka at both ends: a source commits a group offset only for complete epochs
 * (never through auto-commit, never on close), and the sinks flush every batch before
 * {@code writeBatch} returns.
 */
class KafkaAtLeastOnceTest {
  private static final Duration RUN_TIMEOUT = Duration.ofSeconds(60);

  @RegisterExtension
  static final KafkaBroker broker = KafkaBroker.create();

  private static List<String> records(String prefix, int n) {
    return IntStream.range(0, n).mapToObj(i -> prefix + i).toList();
  }

  private static String value(KafkaSourceMessage<byte[], byte[]> m) {
    return new String(m.value(), UTF_8);
  }

  /** The offset {@code group} committed for partition 0 of {@code topic}, or null if none. */
  private static Long committed(String group, String topic) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> offsets = broker.admin().listConsumerGroupOffsets(group)
        .partitionsToOffsetAndMetadata().get();
    OffsetAndMetadata o = offsets.get(new TopicPartition(topic, 0));
    return o == null ? null : o.offset();
  }

  // ------------------------------------------------------------------ the example, end to end

  /**
   * The example as a new user would try it: one partition holding r0…r9, a {@code group.id}
   * with {@link StartingOffset#STORED}, and a {@code map} that throws on r5. The failed run must
   * not commit the offset of any record whose output was not written; after the step is fixed,
   * the rerun writes r5…r9 (it may write records before r5 again: at-least-once), and once it
   * completes, the group's offset is 10.
   */
  @ParameterizedTest(name = "batch size {0}")
  @ValueSource(ints = {100, 1})
  void aRunThatFailsOnR5LosesNothingWhenRunAgain(int batchSize) throws Exception {
    String topic = "example-b" + batchSize;
    String group = "sluice-example-b" + batchSize;
    broker.createTopic(topic, 1);
    broker.produceStrings(topic, 0, records("r", 10));
    AtomicBoolean broken = new AtomicBoolean(true);

    ListSink<String> firstOut = new ListSink<>();
    // short epochs: at batch size 1, epochs before r5's may complete (and be committed) before the
    // run fails
    RunConfig config = RunConfig.workers(1).withEpochInterval(Duration.ofMillis(1));
    assertThatThrownBy(() -> Sluice.start(exampleFlow(topic, group, batchSize, broken, firstOut), config)
        .await(RUN_TIMEOUT))
        .isInstanceOf(StepFailedException.class)
        .hasMessageContaining("'fragile'")
        .hasRootCauseMessage("cannot handle r5");
    assertThat(firstOut.items()).isSubsetOf(records("r", 5));
    Long afterFailure = committed(group, topic);
    assertThat(afterFailure).as("offset committed by the failed run").satisfiesAnyOf(
        o -> assertThat(o).isNull(),
        o -> assertThat(o).isBetween(0L, (long) firstOut.items().size()));

    broken.set(false);
    ListSink<String> rerunOut = new ListSink<>();
    Sluice.start(exampleFlow(topic, group, batchSize, broken, rerunOut), config).await(RUN_TIMEOUT);

    int from = afterFailure == null ? 0 : afterFailure.intValue();
    assertThat(rerunOut.items()).as("the rerun starts at the committed offset %s and writes the rest", afterFailure)
        .containsExactlyElementsOf(records("r", 10).subList(from, 10))
        .containsSubsequence(records("r", 10).subList(5, 10));
    List<String> both = new ArrayList<>(firstOut.items());
    both.addAll(rerunOut.items());
    assertThat(both).as("first run and rerun together").containsAll(records("r", 10));
    await("the group's offset after the rerun completed").atMost(Duration.ofSeconds(15))
        .untilAsserted(() -> assertThat(committed(group, topic)).isEqualTo(10L));
  }

  /**
   * The same example with recovery on (the same recovery directory for both runs): the rerun
   * resumes from the newest complete epoch's snapshot, whatever the group holds, and writes r5…r9;
   * the group's offset, committed from complete epochs only, is never ahead of the snapshot. (That
   * the group ends at 10 is asserted without recovery above: with recovery the runtime may miss
   * the run's last completion, as Worker.finishEpochs reads Recovery.completed before the writer
   * thread updates it.)
   */
  @ParameterizedTest(name = "batch size {0}")
  @ValueSource(ints = {100, 1})
  void withRecoveryTheRerunResumesFromTheSnapshotAndLosesNothing(int batchSize, @TempDir Path recoveryDir)
      throws Exception {
    String topic = "example-recovery-b" + batchSize;
    String group = "sluice-example-recovery-b" + batchSize;
    broker.createTopic(topic, 1);
    broker.produceStrings(topic, 0, records("r", 10));
    RecoveryStore.init(recoveryDir, 1);
    RunConfig config = RunConfig.workers(1).withEpochInterval(Duration.ofMillis(1))
        .withRecovery(RecoveryConfig.in(recoveryDir));
    AtomicBoolean broken = new AtomicBoolean(true);

    ListSink<String> firstOut = new ListSink<>();
    assertThatThrownBy(() -> Sluice.start(exampleFlow(topic, group, batchSize, broken, firstOut), config)
        .await(RUN_TIMEOUT))
        .isInstanceOf(StepFailedException.class)
        .hasRootCauseMessage("cannot handle r5");
    assertThat(firstOut.items()).isSubsetOf(records("r", 5));
    Long afterFailure = committed(group, topic);
    long snapshotEpoch = RecoveryStore.inspect(recoveryDir).newestCompleteEpoch();

    broken.set(false);
    ListSink<String> rerunOut = new ListSink<>();
    Sluice.start(exampleFlow(topic, group, batchSize, broken, rerunOut), config).await(RUN_TIMEOUT);

    assertThat(rerunOut.items()).as("the rerun (the failed run committed %s, newest complete epoch %s)", afterFailure,
        snapshotEpoch).endsWith(records("r", 10).subList(5, 10).toArray(String[]::new));
    int from = 10 - rerunOut.items().size();
    assertThat(from).as("offset the rerun resumed at").isBetween(0, firstOut.items().size());
    assertThat(rerunOut.items()).containsExactlyElementsOf(records("r", 10).subList(from, 10));
    if (afterFailure != null) {
      assertThat(afterFailure).as("the group's offset never runs ahead of the snapshot").isLessThanOrEqualTo(from);
    }
    assertThat(committed(group, topic)).as("the group's offset after the rerun").isNotNull()
        .isBetween((long) from, 10L);
  }

  private static Dataflow exampleFlow(String topic, String group, int batchSize, AtomicBoolean broken,
      ListSink<String> out) {
    Dataflow flow = new Dataflow("example");
    flow.input("in", KafkaSource.builder(broker.bootstrapServers(), topic)
            .batchSize(batchSize)
            .startingOffset(StartingOffset.STORED)
            .consumerConfig("group.id", group)
            .build())
        .map("value", KafkaAtLeastOnceTest::value)
        .map("fragile", v -> {
          if (broken.get() && v.equals("r5")) {
            throw new IllegalStateException("cannot handle r5");
          }
          return v;
        })
        .output("out", out);
    return flow;
  }

  // ------------------------------------------------------------------ the source's side, as the runtime calls it

  @Test
  void kafkaAutoCommitIsRefusedWithAClearMessage() {
    KafkaSource.Builder b = KafkaSource.builder(broker.bootstrapServers(), "any")
        .consumerConfig("group.id", "g")
        .consumerConfig("enable.auto.commit", "true");
    assertThatThrownBy(b::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("enable.auto.commit=true")
        .hasMessageContaining("not durable")
        .hasMessageContaining("epoch is complete");
    assertThatThrownBy(() -> KafkaSource.builder(broker.bootstrapServers(), "any")
        .consumerConfig("enable.auto.commit", true).build())
        .hasMessageContaining("enable.auto.commit=true");
    // false is what the source forces anyway: accepted
    KafkaSource.builder(broker.bootstrapServers(), "any").consumerConfig("enable.auto.commit", false).build();
  }

  @Test
  void aGroupOffsetIsCommittedOnlyFromEpochCompleteNeverOnClose() throws Exception {
    String topic = "commits";
    broker.createTopic(topic, 1);
    broker.produceStrings(topic, 0, records("c", 10));
    KafkaSource src = KafkaSource.builder(broker.bootstrapServers(), topic)
        .batchSize(3)
        .startingOffset(StartingOffset.STORED)
        .consumerConfig("group.id", "sluice-commits")
        .build();

    // read a batch, then close as a failing run does: nothing is committed
    try (SourcePartition<KafkaSourceMessage<byte[], byte[]>, Long> part = src.buildPartition("in", "commits-0", null)) {
      assertThat(nextNonEmpty(part)).extracting(KafkaAtLeastOnceTest::value).containsExactly("c0", "c1", "c2");
      assertThat(part.snapshot()).isEqualTo(3L);
    }
    assertThat(committed("sluice-commits", topic)).as("committed after a close without a complete epoch").isNull();

    // an epoch completes at offset 3 while the partition reads on to 6: the group gets 3, not 6
    try (SourcePartition<KafkaSourceMessage<byte[], byte[]>, Long> part = src.buildPartition("in", "commits-0", null)) {
      assertThat(nextNonEmpty(part)).extracting(KafkaAtLeastOnceTest::value).containsExactly("c0", "c1", "c2");
      long epoch1 = part.snapshot();
      assertThat(nextNonEmpty(part)).extracting(KafkaAtLeastOnceTest::value).containsExactly("c3", "c4", "c5");
      part.epochComplete(epoch1);
    }
    assertThat(committed("sluice-commits", topic)).isEqualTo(3L);

    // STORED starts after the committed offset; a snapshot completed after the partition closed
    // (the runtime completes the last epoch once the partition ended) is committed all the same
    SourcePartition<KafkaSourceMessage<byte[], byte[]>, Long> part = src.buildPartition("in", "commits-0", null);
    assertThat(drain(part)).containsExactlyElementsOf(records("c", 10).subList(3, 10));
    long last = part.snapshot();
    assertThat(last).isEqualTo(10L);
    part.epochComplete(last);
    assertThat(committed("sluice-commits", topic)).isEqualTo(10L);
    // an older snapshot completing later never moves the group back
    part.epochComplete(7L);
    assertThat(committed("sluice-commits", topic)).isEqualTo(10L);
  }

  @Test
  void withoutAGroupEpochCompleteCommitsNothing() throws Exception {
    String topic = "no-group";
    broker.createTopic(topic, 1);
    broker.produceStrings(topic, 0, records("n", 4));
    KafkaSource src = KafkaSource.builder(broker.bootstrapServers(), topic).build();
    SourcePartition<KafkaSourceMessage<byte[], byte[]>, Long> part = src.buildPartition("in", "no-group-0", null);
    assertThat(drain(part)).hasSize(4);
    part.epochComplete(part.snapshot());
    assertThat(broker.admin().listConsumerGroups().all().get())
        .noneMatch(g -> g.groupId().contains("no-group"));
  }

  @Test
  void aResumeStateWinsOverTheGroupsOffsetAndANegativeOneIsRefused() throws Exception {
    String topic = "resume-vs-group";
    broker.createTopic(topic, 1);
    broker.produceStrings(topic, 0, records("g", 6));
    broker.admin().alterConsumerGroupOffsets("sluice-resume-vs-group",
        Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(1))).all().get();
    KafkaSource src = KafkaSource.builder(broker.bootstrapServers(), topic)
        .startingOffset(StartingOffset.STORED)
        .consumerConfig("group.id", "sluice-resume-vs-group")
        .build();
    assertThat(drain(src.buildPartition("in", topic + "-0", 4L))).containsExactly("g4", "g5");
    assertThat(drain(src.buildPartition("in", topic + "-0", null))).containsExactly("g1", "g2", "g3", "g4", "g5");
    assertThatThrownBy(() -> src.buildPartition("in", topic + "-0", -1L))
        .isInstanceOf(KafkaConnectorException.class)
        .hasMessageContaining("step 'in'")
        .hasMessageContaining("resume-vs-group-0")
        .hasMessageContaining("-1");
  }

  // ------------------------------------------------------------------ sinks flush every batch

  /**
   * With a linger of a minute, a producer that only sent would keep these records to itself for a
   * minute: they are in the topic as soon as {@code writeBatch} returns because it flushes.
   */
  @Test
  void bothSinksFlushEachBatchBeforeWriteBatchReturns() {
    Map<String, Object> lingering = Map.of("linger.ms", 60_000);
    broker.createTopic("flushed", 1);
    KafkaSink sink = new KafkaSink(List.of(broker.bootstrapServers()), "flushed", lingering, Duration.ofSeconds(10));
    try (StatelessSinkPartition<KafkaSinkMessage<byte[], byte[]>> p = sink.build("out", 0, 1)) {
      p.writeBatch(List.of(KafkaSinkMessage.of(null, "a".getBytes(UTF_8)), KafkaSinkMessage.of(null, "b".getBytes(UTF_8))));
      assertThat(broker.endOffsets("flushed")).containsEntry(new TopicPartition("flushed", 0), 2L);
      p.writeBatch(List.of(KafkaSinkMessage.of(null, "c".getBytes(UTF_8))));
      assertThat(broker.endOffsets("flushed")).containsEntry(new TopicPartition("flushed", 0), 3L);
    }

    broker.createTopic("flushed-partitioned", 2);
    KafkaPartitionedSink partitioned = new KafkaPartitionedSink(List.of(broker.bootstrapServers()), "flushed-partitioned",
        lingering, Duration.ofSeconds(10));
    try (var p = partitioned.buildPartition("out", "flushed-partitioned-1", null)) {
      p.writeBatch(List.of(KafkaSinkMessage.of(null, "x".getBytes(UTF_8))));
      assertThat(broker.endOffsets("flushed-partitioned"))
          .containsEntry(new TopicPartition("flushed-partitioned", 0), 0L)
          .containsEntry(new TopicPartition("flushed-partitioned", 1), 1L);
    }
  }

  // ------------------------------------------------------------------ helpers

  private static <T> List<T> nextNonEmpty(SourcePartition<T, Long> part) {
    List<T> out = new ArrayList<>();
    poll("a non-empty batch").until(() -> {
      List<T> b = part.nextBatch();
      assertThat(b).as("partition ended before any record").isNotNull();
      out.addAll(b);
      return !out.isEmpty();
    });
    return out;
  }

  /** Reads to the partition's end and closes it. */
  private static List<String> drain(SourcePartition<KafkaSourceMessage<byte[], byte[]>, Long> part) {
    List<String> out = new ArrayList<>();
    try (part) {
      poll("the partition's end").until(() -> {
        List<KafkaSourceMessage<byte[], byte[]>> b = part.nextBatch();
        if (b == null) {
          return true;
        }
        b.forEach(m -> out.add(value(m)));
        return false;
      });
    }
    return out;
  }

  /** Awaitility, polling often and on this thread (a consumer belongs to one thread at a time). */
  private static org.awaitility.core.ConditionFactory poll(String what) {
    return await(what).atMost(RUN_TIMEOUT).pollInSameThread().pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(5));
  }
}
