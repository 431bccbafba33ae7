package io.sluice.testkit;

import static io.sluice.testkit.SluiceAssertions.assertThat;
import static java.nio.charset.StandardCharsets.UTF_8;

import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.JoinMode;
import io.sluice.dataflow.Joined;
import io.sluice.dataflow.KV;
import io.sluice.dataflow.KeyedStream;
import io.sluice.inputs.Routing;
import io.sluice.inputs.RoutingKey;
import io.sluice.run.StepFailedException;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.assertj.core.api.Assertions;

/**
 * Keyed steps group keys by the identity they route by: two {@code byte[]} keys with the same
 * content are one key everywhere (state, route cache, pre-aggregation, join, collect, recorded keys).
 */
class KeyIdentityTest {

  static List<KV<String, String>> events() {
    return List.of(KV.of("user-1", "a"), KV.of("user-2", "b"), KV.of("user-1", "c"), KV.of("user-1", "d"));
  }

  /** Decodes byte[] keys so outputs compare by content. */
  static Map<String, Long> decode(List<KV<byte[], Long>> items) {
    Map<String, Long> out = new TreeMap<>();
    for (KV<byte[], Long> kv : items) {
      Long before = out.put(new String(kv.key(), UTF_8), kv.value());
      Assertions.assertThat(before).as("key %s emitted twice", new String(kv.key(), UTF_8)).isNull();
    }
    return out;
  }

  @DataflowTest(workers = {1, 3}, processes = {1, 2})
  void byteArrayKeysCountByContent(DataflowRunner runner) {
    TestSink<KV<byte[], Long>> out = new TestSink<>();
    Dataflow flow = new Dataflow("bytes-count");
    flow.input("in", TestSource.ofAll(events()).withBatchSize(1))
        .countFinal("count", kv -> kv.key().getBytes(UTF_8))
        .output("out", out);
    TestRun run = runner.run(flow);
    Assertions.assertThat(decode(run.output(out).items())).containsExactly(Map.entry("user-1", 3L), Map.entry("user-2", 1L));
    assertThat(run).step("count").hasEachKeyOnTheWorkerRoutingPredicts().sawKeys("user-1".getBytes(UTF_8));
    int owner = Routing.workerFor("user-1".getBytes(UTF_8), runner.totalWorkers());
    // recorded keys: one entry per key, with the user's byte[] (merged across processes by content)
    Assertions.assertThat(run.result().step("count").keyItems(owner).entrySet())
        .filteredOn(e -> new String((byte[]) e.getKey(), UTF_8).equals("user-1"))
        .singleElement().satisfies(e -> Assertions.assertThat(e.getValue()).isEqualTo(3L));
  }

  @DataflowTest(workers = {1, 3}, processes = {1, 2})
  void byteArrayKeysShareStateInStatefulMapAndTheLogicSeesTheUsersKey(DataflowRunner runner) {
    TestSink<KV<byte[], String>> out = new TestSink<>();
    Dataflow flow = new Dataflow("bytes-state");
    KeyedStream.of(flow.input("in", TestSource.ofAll(events()).withBatchSize(1))
        .map("key", kv -> KV.of(kv.key().getBytes(UTF_8), kv.value())))
        .<String, String>statefulMap("concat", (state, v) -> {
          String next = state.get() == null ? v : state.get() + v;
          state.set(next);
          return next;
        })
        .output("out", out);
    TestRun run = runner.run(flow);
    List<String> seen = new ArrayList<>();
    for (KV<byte[], String> kv : run.output(out).items()) {
      seen.add(new String(kv.key(), UTF_8) + "=" + kv.value());
    }
    Assertions.assertThat(seen).containsExactlyInAnyOrder("user-1=a", "user-2=b", "user-1=ac", "user-1=acd");
  }

  @DataflowTest(workers = {1, 3}, processes = {1, 2})
  void byteArrayKeysJoinAndCollectByContent(DataflowRunner runner) {
    TestSink<KV<byte[], Joined<String, String>>> joined = new TestSink<>();
    TestSink<KV<byte[], List<String>>> collected = new TestSink<>();
    Dataflow flow = new Dataflow("bytes-join");
    KeyedStream<byte[], String> left = flow.input("left", TestSource.of("k1:a", "k2:b").withBatchSize(1))
        .keyOn("left-key", s -> s.substring(0, 2).getBytes(UTF_8));
    KeyedStream<byte[], String> right = flow.input("right", TestSource.of("k1:x", "k2:y").withBatchSize(1))
        .keyOn("right-key", s -> s.substring(0, 2).getBytes(UTF_8));
    left.join("join", right, JoinMode.COMPLETE).output("joined", joined);
    left.collect("collect", 10, Duration.ofMinutes(5)).output("collected", collected);
    right.collect("collect-right", 10, Duration.ofMinutes(5)).output("collected-right", new TestSink<>());
    TestRun run = runner.run(flow);
    List<String> j = new ArrayList<>();
    for (KV<byte[], Joined<String, String>> kv : run.output(joined).items()) {
      j.add(new String(kv.key(), UTF_8) + "=" + kv.value().left() + "+" + kv.value().right());
    }
    Assertions.assertThat(j).containsExactlyInAnyOrder("k1=k1:a+k1:x", "k2=k2:b+k2:y");
    Assertions.assertThat(run.output(collected).items()).hasSize(2);
  }

  /** A running count per byte[] key; the output carries the state. */
  static Dataflow bytesCountFlow(TestSink<KV<byte[], Long>> out) {
    List<String> items = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      items.add("k" + (i % 5));
    }
    Dataflow flow = new Dataflow("bytes-recovery");
    KeyedStream.of(flow.input("in", TestSource.dealt(2, items).withBatchSize(1))
        .map("key", s -> KV.of(s.getBytes(UTF_8), s)))
        .<Long, Long>statefulMap("count", (state, v) -> {
          long n = state.get() == null ? 1 : state.get() + 1;
          state.set(n);
          return n;
        })
        .output("out", out);
    return flow;
  }

  @DataflowTest(workers = {1, 3}, processes = {1, 2})
  void byteArrayKeysResumeTheirStateAfterACrash(DataflowRunner runner, @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
    DataflowRunner r = runner.withConfig(c -> c.withEpochInterval(Duration.ZERO));
    TestSink<KV<byte[], Long>> before = new TestSink<>();
    r.withRecovery(dir).runUntilCrash(bytesCountFlow(before), Crash.whenStepSeesItemNumber("count", 20));
    TestSink<KV<byte[], Long>> after = new TestSink<>();
    TestRun resumed = r.withRecovery(dir).run(bytesCountFlow(after));
    // each key's last running count is its full count: the resumed state was found by content
    Map<String, Long> last = new TreeMap<>();
    for (KV<byte[], Long> kv : resumed.output(after).items()) {
      last.merge(new String(kv.key(), UTF_8), kv.value(), Math::max);
    }
    Assertions.assertThat(last).isNotEmpty().allSatisfy((k, n) -> Assertions.assertThat(n).as("count of %s", k).isEqualTo(8L));
  }

  /** A key type whose equals ignores case but whose routing bytes do not: grouped by the bytes. */
  record CaseKey(String name) implements RoutingKey, Serializable {
    @Override
    public byte[] routingBytes() {
      return name.getBytes(UTF_8);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof CaseKey k && k.name.equalsIgnoreCase(name);
    }

    @Override
    public int hashCode() {
      return name.toLowerCase().hashCode();
    }
  }

  @DataflowTest(workers = {1, 3})
  void routingKeysGroupByTheirRoutingBytesNotTheirEquals(DataflowRunner runner) {
    TestSink<KV<CaseKey, Long>> out = new TestSink<>();
    Dataflow flow = new Dataflow("routing-key");
    flow.input("in", TestSource.of("a", "A", "a").withBatchSize(1))
        .countFinal("count", CaseKey::new)
        .output("out", out);
    TestRun run = runner.run(flow);
    List<String> counts = run.output(out).items().stream().map(kv -> kv.key().name() + "=" + kv.value()).toList();
    Assertions.assertThat(counts).containsExactlyInAnyOrder("a=2", "A=1");
    assertThat(run).step("count").hasEachKeyOnTheWorkerRoutingPredicts();
  }

  @DataflowTest(workers = {1, 3})
  void aNullKeyFailsNamingTheStepAndWhatToDo(DataflowRunner runner) {
    Dataflow flow = new Dataflow("null-key");
    flow.input("in", TestSource.of("a", "", "b"))
        .keyOn("by-first", s -> s.isEmpty() ? null : s.substring(0, 1))
        .output("out", new TestSink<>());
    StepFailedException e = runner.runExpectingFailure(flow);
    Assertions.assertThat(e.stepId()).isEqualTo("by-first");
    Assertions.assertThat(e).hasStackTraceContaining("returned null").hasStackTraceContaining("filter those items out");
  }

  @DataflowTest(workers = {1, 3})
  void aKeyTypeWithoutARoutingFormFailsAtTheFirstItemNamingTheStep(DataflowRunner runner) {
    Dataflow flow = new Dataflow("bad-key");
    flow.input("in", TestSource.of("a", "b"))
        .keyOn("by-object", s -> new Object())
        .countFinal("count", kv -> kv.key())
        .output("out", new TestSink<>());
    StepFailedException e = runner.runExpectingFailure(flow);
    Assertions.assertThat(e.stepId()).isEqualTo("count.pre");
    Assertions.assertThat(e).hasStackTraceContaining("has no stable routing form");
  }
}
