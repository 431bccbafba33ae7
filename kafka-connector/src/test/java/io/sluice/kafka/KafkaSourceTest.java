package io.sluice.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import io.sluice.inputs.PartitionAssignment;
import io.sluice.inputs.SourcePartition;
import io.sluice.run.RunConfig;
import io.sluice.run.RunResult;
import io.sluice.run.RunningDataflow;
import io.sluice.run.Sluice;
import io.sluice.run.StepFailedException;
import io.sluice.testkit.kafka.KafkaBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** KafkaSource against a real broker: placement of partitions on workers, end offsets, resume, errors. */
class KafkaSourceTest {
  private static final Duration RUN_TIMEOUT = Duration.ofSeconds(60);

  @RegisterExtension
  static final KafkaBroker broker = KafkaBroker.shared();

  /** "four": 4 partitions × 25 records, values "p<partition>-<i>". */
  @BeforeAll
  static void topics() {
    broker.createTopic("four", 4);
    for (int p = 0; p < 4; p++) {
      int part = p;
      broker.produceStrings("four", p, IntStream.range(0, 25).mapToObj(i -> "p" + part + "-" + i).toList());
    }
    broker.createTopic("single", 1);
    broker.produceStrings("single", 0, IntStream.range(0, 400).mapToObj(i -> "s" + i).toList());
  }

  private static String value(KafkaSourceMessage<byte[], byte[]> m) {
    return new String(m.value(), UTF_8);
  }

  private static RunResult run(Dataflow flow, int workers) {
    return Sluice.start(flow, RunConfig.workers(workers)).await(RUN_TIMEOUT);
  }

  @ParameterizedTest(name = "{0} workers")
  @ValueSource(ints = {1, 2, 4, 6})
  void fourPartitionsAreEachReadByExactlyOneWorker(int workers) {
    Map<Integer, Set<Integer>> workersOfPartition = new ConcurrentHashMap<>();
    ListSink<KafkaSourceMessage<byte[], byte[]>> sink = new ListSink<>();
    Dataflow flow = new Dataflow("four-partitions");
    flow.input("in", KafkaSource.builder(broker.bootstrapServers(), "four").batchSize(7).build())
        .inspect("where", (m, worker, epoch) ->
            workersOfPartition.computeIfAbsent(m.partition(), k -> ConcurrentHashMap.newKeySet()).add(worker))
        .output("out", sink);

    RunResult result = run(flow, workers);

    List<String> expected = new ArrayList<>();
    for (int p = 0; p < 4; p++) {
      for (int i = 0; i < 25; i++) {
        expected.add("p" + p + "-" + i);
      }
    }
    List<KafkaSourceMessage<byte[], byte[]>> got = sink.items();
    assertThat(got).extracting(KafkaSourceTest::value).containsExactlyInAnyOrderElementsOf(expected);
    // per-partition order: offsets 0..24 in the order the partition's (single) worker emitted them
    for (int p = 0; p < 4; p++) {
      int part = p;
      assertThat(got.stream().filter(m -> m.partition() == part).map(KafkaSourceMessage::offset).toList())
          .as("offsets of partition %d in arrival order", p)
          .containsExactlyElementsOf(IntStream.range(0, 25).mapToObj(i -> (long) i).toList());
    }
    // each partition on exactly one worker, the one PartitionAssignment picks
    Map<String, Integer> assignment = PartitionAssignment.assign(List.of("four-0", "four-1", "four-2", "four-3"), workers);
    for (int p = 0; p < 4; p++) {
      assertThat(workersOfPartition.get(p)).as("workers that read partition %d", p)
          .containsExactly(assignment.get("four-" + p));
    }
    long[] perWorker = result.step("in").itemsOutPerWorker();
    int readers = Math.min(4, workers);
    for (int w = 0; w < workers; w++) {
      long expectedItems = 0;
      for (int p = 0; p < 4; p++) {
        if (assignment.get("four-" + p) == w) {
          expectedItems += 25;
        }
      }
      assertThat(perWorker[w]).as("items read by worker %d of %d", w, workers).isEqualTo(expectedItems);
    }
    assertThat(IntStream.range(0, workers).filter(w -> perWorker[w] > 0).count()).isEqualTo(readers);
    if (workers == 6) {
      assertThat(perWorker[4]).as("worker 4 has no partition").isZero();
      assertThat(perWorker[5]).as("worker 5 has no partition").isZero();
    }
  }

  @Test
  void onePartitionAtFourWorkersStaysOnOneWorkerWithoutRedistribute() {
    ListSink<String> sink = new ListSink<>();
    Dataflow flow = new Dataflow("single-no-redistribute");
    flow.input("in", KafkaSource.builder(broker.bootstrapServers(), "single").batchSize(50).build())
        .map("value", KafkaSourceTest::value)
        .output("out", sink);

    RunResult result = run(flow, 4);

    assertThat(sink.items()).hasSize(400);
    long[] mapped = result.step("value").itemsInPerWorker();
    assertThat(mapped).as("items per worker at 'value'").containsOnlyOnce(400L);
    assertThat(IntStream.range(0, 4).filter(w -> mapped[w] == 0).count()).isEqualTo(3);
  }

  @Test
  void onePartitionAtFourWorkersIsSpreadByRedistribute() {
    ListSink<String> sink = new ListSink<>();
    Dataflow flow = new Dataflow("single-redistribute");
    flow.input("in", KafkaSource.builder(broker.bootstrapServers(), "single").batchSize(50).build())
        .redistribute("spread")
        .map("value", KafkaSourceTest::value)
        .output("out", sink);

    RunResult result = run(flow, 4);

    assertThat(sink.items()).containsExactlyInAnyOrderElementsOf(IntStream.range(0, 400).mapToObj(i -> "s" + i).toList());
    assertThat(IntStream.range(0, 4).filter(w -> result.step("in").itemsOut(w) > 0).count())
        .as("workers reading the single partition").isEqualTo(1);
    // redistribute deals items round-robin: every worker gets a quarter
    assertThat(result.step("value").itemsInPerWorker()).containsExactly(100, 100, 100, 100);
  }

  @Test
  void stopsAtTheEndOffsetsPresentWhenPartitionsOpen() {
    broker.createTopic("bounded", 2);
    broker.produceStrings("bounded", 0, List.of("a", "b", "c"));
    broker.produceStrings("bounded", 1, List.of("d"));
    ListSink<String> sink = new ListSink<>();
    Dataflow flow = new Dataflow("bounded");
    flow.input("in", KafkaSource.builder(broker.bootstrapServers(), "bounded").build())
        .map("value", KafkaSourceTest::value)
        .output("out", sink);

    run(flow, 2);

    assertThat(sink.items()).containsExactlyInAnyOrder("a", "b", "c", "d");

    // the end is fixed when the partition opens: a record written afterwards is not read
    KafkaSource src = KafkaSource.builder(broker.bootstrapServers(), "bounded").build();
    SourcePartition<KafkaSourceMessage<byte[], byte[]>, Long> opened = src.buildPartition("in", "bounded-0", null);
    broker.produceStrings("bounded", 0, List.of("late"));
    assertThat(drain(opened)).containsExactly("a", "b", "c");
    assertThat(drain(src.buildPartition("in", "bounded-0", null))).containsExactly("a", "b", "c", "late");

    // from the end, stopping at the end: nothing to read, and the run still ends
    ListSink<String> none = new ListSink<>();
    Dataflow fromEnd = new Dataflow("bounded-from-end");
    fromEnd.input("in", KafkaSource.builder(broker.bootstrapServers(), "bounded").startingOffset(StartingOffset.END).build())
        .map("value", KafkaSourceTest::value)
        .output("out", none);
    run(fromEnd, 2);
    assertThat(none.items()).isEmpty();
  }

  @Test
  void tailKeepsReadingNewRecords() {
    broker.createTopic("tailed", 1);
    broker.produceStrings("tailed", 0, List.of("1", "2"));
    List<String> seen = new CopyOnWriteArrayList<>();
    Dataflow flow = new Dataflow("tail");
    flow.input("in", KafkaSource.builder(broker.bootstrapServers(), "tailed").tail(true).build())
        .map("value", KafkaSourceTest::value)
        .inspect("seen", seen::add)
        .output("out", new ListSink<>());
    RunningDataflow running = Sluice.start(flow, RunConfig.workers(2));
    try {
      poll("the first two records").atMost(RUN_TIMEOUT).until(() -> seen.size() == 2);
      broker.produceStrings("tailed", 0, List.of("3"));
      poll("a record written after the run started").atMost(RUN_TIMEOUT).until(() -> seen.size() == 3);
      assertThat(seen).containsExactly("1", "2", "3");
      assertThat(running.isDone()).isFalse();
    } finally {
      running.cancel();
    }
  }

  @Test
  void resumesFromItsSnapshotOffsetWithoutGapsOrDuplicates() {
    broker.createTopic("resume", 1);
    broker.produceStrings("resume", 0, IntStream.range(0, 10).mapToObj(i -> "r" + i).toList());
    KafkaSource src = KafkaSource.builder(broker.bootstrapServers(), "resume").batchSize(3).build();
    assertThat(src.listPartitions()).containsExactly("resume-0");

    List<String> first = new ArrayList<>();
    long snapshot;
    try (SourcePartition<KafkaSourceMessage<byte[], byte[]>, Long> part = src.buildPartition("in", "resume-0", null)) {
      assertThat(part.snapshot()).isZero();
      List<KafkaSourceMessage<byte[], byte[]>> batch = nextNonEmpty(part);
      assertThat(batch).hasSizeLessThanOrEqualTo(3);
      batch.forEach(m -> first.add(value(m)));
      snapshot = part.snapshot();
    }
    assertThat(snapshot).isEqualTo(first.size());

    List<String> rest = drain(src.buildPartition("in", "resume-0", snapshot));
    List<String> all = new ArrayList<>(first);
    all.addAll(rest);
    assertThat(all).containsExactlyElementsOf(IntStream.range(0, 10).mapToObj(i -> "r" + i).toList());

    // an explicit stored offset
    assertThat(drain(src.buildPartition("in", "resume-0", 7L))).containsExactly("r7", "r8", "r9");
  }

  @Test
  void startsFromTheConsumerGroupsCommittedOffset() throws Exception {
    broker.createTopic("stored", 1);
    broker.produceStrings("stored", 0, IntStream.range(0, 8).mapToObj(i -> "v" + i).toList());
    Admin admin = broker.admin();
    admin.alterConsumerGroupOffsets("sluice-stored",
        Map.of(new TopicPartition("stored", 0), new OffsetAndMetadata(5))).all().get();

    ListSink<String> sink = new ListSink<>();
    Dataflow flow = new Dataflow("stored");
    flow.input("in", KafkaSource.builder(broker.bootstrapServers(), "stored")
            .startingOffset(StartingOffset.STORED)
            .consumerConfig("group.id", "sluice-stored")
            .build())
        .map("value", KafkaSourceTest::value)
        .output("out", sink);
    run(flow, 1);
    assertThat(sink.items()).containsExactly("v5", "v6", "v7");

    // a group with no committed offset starts where auto.offset.reset says (earliest by default)
    broker.produceStrings("stored", 0, List.of("v8", "v9"));
    ListSink<String> fresh = new ListSink<>();
    Dataflow flow2 = new Dataflow("stored-fresh");
    flow2.input("in", KafkaSource.builder(broker.bootstrapServers(), "stored")
            .startingOffset(StartingOffset.STORED)
            .consumerConfig("group.id", "sluice-never-committed")
            .build())
        .map("value", KafkaSourceTest::value)
        .output("out", fresh);
    run(flow2, 1);
    assertThat(fresh.items()).hasSize(10);

    assertThatThrownBy(() -> KafkaSource.builder(broker.bootstrapServers(), "stored")
        .startingOffset(StartingOffset.STORED).build())
        .hasMessageContaining("group.id");
  }

  @Test
  void aGroupsNextRunGoesOnAfterTheLastCompleteEpoch() {
    broker.createTopic("stored-next", 1);
    broker.produceStrings("stored-next", 0, IntStream.range(0, 8).mapToObj(i -> "v" + i).toList());
    ListSink<String> first = new ListSink<>();
    Dataflow flow = new Dataflow("stored-first");
    flow.input("in", KafkaSource.builder(broker.bootstrapServers(), "stored-next")
            .startingOffset(StartingOffset.STORED)
            .consumerConfig("group.id", "sluice-stored-next")
            .build())
        .map("value", KafkaSourceTest::value)
        .output("out", first);
    run(flow, 1);
    assertThat(first.items()).hasSize(8);
    broker.produceStrings("stored-next", 0, List.of("v8", "v9"));

    // with a group, the source commits the offset of each complete epoch, the run's last one
    // included: the next run of the same group goes on from there
    ListSink<String> next = new ListSink<>();
    Dataflow again = new Dataflow("stored-again");
    again.input("in", KafkaSource.builder(broker.bootstrapServers(), "stored-next")
            .startingOffset(StartingOffset.STORED)
            .consumerConfig("group.id", "sluice-stored-next")
            .build())
        .map("value", KafkaSourceTest::value)
        .output("out", next);
    run(again, 1);
    assertThat(next.items()).containsExactly("v8", "v9");
  }

  @Test
  void anUnknownTopicFailsTheRunWhenItStartsNamingTopicAndBrokers() {
    Dataflow flow = new Dataflow("unknown-topic");
    flow.input("in", KafkaSource.builder(broker.bootstrapServers(), "four", "no-such-topic").build())
        .output("out", new ListSink<>());
    assertThatThrownBy(() -> run(flow, 2))
        .isInstanceOf(StepFailedException.class)
        .hasMessageContaining("'in'")
        .hasRootCauseInstanceOf(org.apache.kafka.common.errors.UnknownTopicOrPartitionException.class)
        .cause()
        .hasMessageContaining("'no-such-topic'")
        .hasMessageContaining(broker.bootstrapServers());
  }

  @Test
  void unreachableBrokersFailWithinTheMetadataTimeout() {
    String nobody = "127.0.0.1:" + freePort();
    Dataflow flow = new Dataflow("unreachable");
    flow.input("in", KafkaSource.builder(nobody, "four").metadataTimeout(Duration.ofSeconds(2)).build())
        .output("out", new ListSink<>());
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> run(flow, 1))
        .isInstanceOf(StepFailedException.class)
        .cause()
        .isInstanceOf(KafkaConnectorException.class)
        .hasMessageContaining(nobody)
        .hasMessageContaining("did not answer within 2000 ms");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(30));

    Dataflow badHost = new Dataflow("unresolvable");
    badHost.input("in", KafkaSource.builder("no-such-host.invalid:9092", "four").build())
        .output("out", new ListSink<>());
    assertThatThrownBy(() -> run(badHost, 1))
        .isInstanceOf(StepFailedException.class)
        .cause()
        .hasMessageContaining("no-such-host.invalid:9092");
  }

  @Test
  void aReadFailureRaisesOrFlowsOutAsAnErrorItem() {
    broker.createTopic("out-of-range", 1);
    broker.produceStrings("out-of-range", 0, List.of("only"));
    KafkaSource.Builder b = KafkaSource.builder(broker.bootstrapServers(), "out-of-range")
        .tail(true)
        .consumerConfig("auto.offset.reset", "none");

    // resuming past the end of the log with no reset policy: the broker answers "offset out of range"
    try (var part = b.raiseOnErrors(false).build().withErrorItems().buildPartition("in", "out-of-range-0", 1000L)) {
      List<KafkaResult<byte[], byte[]>> items = new ArrayList<>();
      poll("an error item").atMost(RUN_TIMEOUT).until(() -> {
        items.addAll(part.nextBatch());
        return !items.isEmpty();
      });
      assertThat(items.get(0)).isInstanceOfSatisfying(KafkaError.class, e -> {
        assertThat(e.topic()).isEqualTo("out-of-range");
        assertThat(e.partition()).isZero();
        assertThat(e.message()).isNull();
        assertThat(e.error()).hasMessageContaining("out-of-range-0")
            .hasRootCauseInstanceOf(org.apache.kafka.clients.consumer.OffsetOutOfRangeException.class);
      });
    }
    try (var part = b.raiseOnErrors(true).build().buildPartition("in", "out-of-range-0", 1000L)) {
      assertThatThrownBy(() -> poll("a read failure").atMost(RUN_TIMEOUT).until(() -> !part.nextBatch().isEmpty()))
          .isInstanceOf(KafkaConnectorException.class)
          .hasMessageContaining("out-of-range-0 at offset 1000")
          .hasMessageContaining(broker.bootstrapServers());
    }
  }

  @Test
  void aBoundedRunWhoseReadsFailEndsWithAnErrorItemOrFails() throws Exception {
    // the group's stored offset 1 lies before the log start (records deleted), and there is no reset policy
    broker.createTopic("truncated", 1);
    broker.produceStrings("truncated", 0, List.of("t0", "t1", "t2", "t3", "t4"));
    TopicPartition tp = new TopicPartition("truncated", 0);
    broker.admin().deleteRecords(Map.of(tp, org.apache.kafka.clients.admin.RecordsToDelete.beforeOffset(3)))
        .all().get();
    broker.admin().alterConsumerGroupOffsets("sluice-truncated", Map.of(tp, new OffsetAndMetadata(1))).all().get();
    KafkaSource.Builder source = KafkaSource.builder(broker.bootstrapServers(), "truncated")
        .startingOffset(StartingOffset.STORED)
        .consumerConfig("group.id", "sluice-truncated")
        .consumerConfig("enable.auto.commit", "false")
        .consumerConfig("auto.offset.reset", "none");

    ListSink<KafkaSourceMessage<byte[], byte[]>> oks = new ListSink<>();
    ListSink<KafkaError<byte[], byte[]>> errs = new ListSink<>();
    Dataflow flow = new Dataflow("truncated-items");
    KafkaSplit<byte[], byte[]> in = KafkaOps.input(flow, "in", source.raiseOnErrors(false).build());
    in.oks().output("out", oks);
    in.errs().output("errors", errs);
    run(flow, 2);
    assertThat(oks.items()).isEmpty();
    assertThat(errs.items()).singleElement().satisfies(e -> {
      assertThat(e.offset()).isEqualTo(1);
      assertThat(e.error()).hasMessageContaining("truncated-0 at offset 1")
          .hasRootCauseInstanceOf(org.apache.kafka.clients.consumer.OffsetOutOfRangeException.class);
    });

    Dataflow raising = new Dataflow("truncated-raise");
    raising.input("in", source.raiseOnErrors(true).build()).output("out", new ListSink<>());
    assertThatThrownBy(() -> run(raising, 2))
        .isInstanceOf(StepFailedException.class)
        .hasMessageContaining("step 'in'")
        .cause()
        .isInstanceOf(KafkaConnectorException.class)
        .hasMessageContaining("truncated-0 at offset 1");
  }

  @Test
  void messagesCarryKeyTimestampAndHeaders() {
    broker.createTopic("meta", 1);
    broker.produce(List.of(new org.apache.kafka.clients.producer.ProducerRecord<>("meta", 0, 1_700_000_000_000L,
        "k".getBytes(UTF_8), "v".getBytes(UTF_8),
        List.of(new org.apache.kafka.common.header.internals.RecordHeader("h", "x".getBytes(UTF_8))))));
    List<KafkaSourceMessage<byte[], byte[]>> got = drainMessages(
        KafkaSource.builder(broker.bootstrapServers(), "meta").build().buildPartition("in", "meta-0", null));
    assertThat(got).singleElement().satisfies(m -> {
      assertThat(new String(m.key(), UTF_8)).isEqualTo("k");
      assertThat(new String(m.value(), UTF_8)).isEqualTo("v");
      assertThat(m.topic()).isEqualTo("meta");
      assertThat(m.partition()).isZero();
      assertThat(m.offset()).isZero();
      assertThat(m.timestamp()).isEqualTo(1_700_000_000_000L);
      assertThat(m.headers()).containsExactly(KafkaHeader.of("h", "x"));
      assertThat(m.toString()).contains("meta-0@0", "b\"k\"", "b\"v\"");
    });
  }

  // ------------------------------------------------------------------ helpers

  private static <T> List<T> nextNonEmpty(SourcePartition<T, Long> part) {
    List<T> out = new ArrayList<>();
    poll("a non-empty batch").atMost(RUN_TIMEOUT).until(() -> {
      List<T> b = part.nextBatch();
      assertThat(b).as("partition ended before any record").isNotNull();
      out.addAll(b);
      return !out.isEmpty();
    });
    return out;
  }

  private static List<KafkaSourceMessage<byte[], byte[]>> drainMessages(
      SourcePartition<KafkaSourceMessage<byte[], byte[]>, Long> part) {
    List<KafkaSourceMessage<byte[], byte[]>> out = new ArrayList<>();
    try (part) {
      poll("the partition's end").atMost(RUN_TIMEOUT).until(() -> {
        List<KafkaSourceMessage<byte[], byte[]>> b = part.nextBatch();
        if (b == null) {
          return true;
        }
        out.addAll(b);
        return false;
      });
    }
    return out;
  }

  private static List<String> drain(SourcePartition<KafkaSourceMessage<byte[], byte[]>, Long> part) {
    return drainMessages(part).stream().map(KafkaSourceTest::value).toList();
  }

  /** Awaitility, polling often and on this thread (a consumer belongs to one thread at a time). */
  private static org.awaitility.core.ConditionFactory poll(String what) {
    return await(what).pollInSameThread().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5));
  }

  private static int freePort() {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      return s.getLocalPort();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
