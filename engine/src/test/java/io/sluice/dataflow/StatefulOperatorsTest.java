package io.sluice.dataflow;

import static io.sluice.TestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.ScriptedSource;
import io.sluice.connectors.IterableSource;
import io.sluice.connectors.ListSink;
import io.sluice.inputs.Routing;
import io.sluice.run.RunConfig;
import io.sluice.run.RunResult;
import io.sluice.run.StepStats;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** statefulBatch and the keyed operators built on it, at several worker counts. */
class StatefulOperatorsTest {
  /** An item of partition {@code p}, {@code seq}-th of its partition, with a key. */
  record Item(String key, int partition, int seq) {}

  /** 4 partitions of {@code perPartition} items each, keys "k0".."k{keys-1}" cycling within each partition. */
  static IterableSource<Item> items(int perPartition, int keys, int batchSize) {
    Map<String, List<Item>> parts = new LinkedHashMap<>();
    for (int p = 0; p < 4; p++) {
      List<Item> l = new ArrayList<>();
      for (int s = 0; s < perPartition; s++) {
        l.add(new Item("k" + (s % keys), p, s));
      }
      parts.put("p" + p, l);
    }
    return IterableSource.partitioned(parts, batchSize);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4, 16})
  void valuesOfOneKeyFromOneUpstreamWorkerKeepTheirOrderAndMeetOnTheRoutedWorker(int workers) {
    Dataflow flow = new Dataflow("order");
    ListSink<KV<String, Item>> sink = new ListSink<>();
    flow.input("in", items(500, 10, 13))
        .keyOn("key", Item::key)
        .statefulMap("pass", (ValueState<Integer> st, Item it) -> {
          st.set(1);
          return it;
        })
        .output("out", sink);
    RunResult r = run(flow, RunConfig.workers(workers).withRecordKeys(true));

    List<KV<String, Item>> out = sink.items();
    assertThat(out).hasSize(2000);
    Map<String, Integer> lastSeq = new TreeMap<>();
    for (KV<String, Item> kv : out) {
      String stream = kv.key() + "/" + kv.value().partition();
      Integer prev = lastSeq.put(stream, kv.value().seq());
      if (prev != null) {
        assertThat(kv.value().seq()).as("order of %s", stream).isGreaterThan(prev);
      }
    }
    StepStats pass = r.step("pass");
    assertThat(pass.keysRecorded()).isTrue();
    List<Object> allKeys = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      for (Object k : pass.keys(w)) {
        assertThat(Routing.workerFor(k, workers)).as("owner of %s", k).isEqualTo(w);
        allKeys.add(k);
      }
      long expectedIn = 0;
      for (int k = 0; k < 10; k++) {
        if (Routing.workerFor("k" + k, workers) == w) {
          expectedIn += 200;
        }
      }
      assertThat(pass.itemsIn(w)).as("items into worker %d", w).isEqualTo(expectedIn);
    }
    assertThat(allKeys).containsExactlyInAnyOrder("k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9");
  }

  /** Emits "b{build}:{value}" per value, discards itself after a batch holding "stop", and "eof:b{build}" at the end. */
  static final class StopLogic implements StatefulLogic<String, String, Integer> {
    private final int build;

    StopLogic(int build) {
      this.build = build;
    }

    @Override
    public Retention onBatch(List<String> values, Consumer<? super String> out) {
      boolean stop = false;
      for (String v : values) {
        out.accept("b" + build + ":" + v);
        stop |= v.equals("stop");
      }
      return stop ? Retention.DISCARD : Retention.RETAIN;
    }

    @Override
    public Retention onEof(Consumer<? super String> out) {
      out.accept("eof:b" + build);
      return Retention.DISCARD;
    }

    @Override
    public Integer snapshot() {
      return build;
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4})
  void statefulBatchRebuildsADiscardedLogicAndCallsOnEofForTheRest(int workers) {
    Map<String, AtomicInteger> builds = new ConcurrentHashMap<>();
    ScriptedSource<KV<String, String>> src = ScriptedSource.<KV<String, String>>create()
        .emit(KV.of("a", "1"), KV.of("x", "1"), KV.of("a", "2"), KV.of("a", "stop"), KV.of("x", "stop"))
        .emit(KV.of("a", "3"), KV.of("b", "1"))
        .emit(KV.of("a", "4"));
    Dataflow flow = new Dataflow("stateful-batch");
    ListSink<KV<String, String>> sink = new ListSink<>();
    KeyedStream<String, String> keyed = KeyedStream.of(flow.input("in", src));
    keyed.statefulBatch("logic", (String key, Integer resume) -> {
      assertThat(resume).isNull();
      return new StopLogic(builds.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet());
    }).output("out", sink);
    run(flow, workers);

    Map<String, List<String>> byKey = sink.items().stream()
        .collect(Collectors.groupingBy(KV::key, TreeMap::new, Collectors.mapping(KV::value, Collectors.toList())));
    assertThat(byKey).containsOnlyKeys("a", "b", "x");
    assertThat(byKey.get("a")).containsExactly("b1:1", "b1:2", "b1:stop", "b2:3", "b2:4", "eof:b2");
    assertThat(byKey.get("x")).containsExactly("b1:1", "b1:stop");
    assertThat(byKey.get("b")).containsExactly("b1:1", "eof:b1");
    assertThat(builds.get("a")).hasValue(2);
    assertThat(builds.get("x")).hasValue(1);
  }

  /** Asks for a timer on "start"; the timer emits "notified" and lets the source go on. */
  static final class TimerLogic implements StatefulLogic<String, String, String> {
    private final AtomicBoolean notified;
    private Instant at;

    TimerLogic(AtomicBoolean notified) {
      this.notified = notified;
    }

    @Override
    public Retention onBatch(List<String> values, Consumer<? super String> out) {
      for (String v : values) {
        out.accept("batch:" + v);
        if (v.equals("start")) {
          at = Instant.now().plusMillis(20);
        }
      }
      return Retention.RETAIN;
    }

    @Override
    public Retention onNotify(Consumer<? super String> out) {
      out.accept("notified");
      at = null;
      notified.set(true);
      return Retention.RETAIN;
    }

    @Override
    public Retention onEof(Consumer<? super String> out) {
      out.accept("eof");
      return Retention.DISCARD;
    }

    @Override
    public Instant notifyAt() {
      return at;
    }

    @Override
    public String snapshot() {
      return null;
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4})
  void notifyAtCallsOnNotifyOnceItsTimeHasPassed(int workers) {
    AtomicBoolean notified = new AtomicBoolean();
    ScriptedSource<KV<String, String>> src = ScriptedSource.<KV<String, String>>create()
        .emit(KV.of("t", "start"))
        .waitUntil(notified::get)
        .emit(KV.of("t", "after"));
    Dataflow flow = new Dataflow("timers");
    ListSink<KV<String, String>> sink = new ListSink<>();
    KeyedStream.of(flow.input("in", src))
        .statefulBatch("timer", (String key, String resume) -> new TimerLogic(notified))
        .output("out", sink);
    RunResult r = run(flow, workers);
    assertThat(sink.items()).extracting(KV::value).containsExactly("batch:start", "notified", "batch:after", "eof");
    int owner = Routing.workerFor("t", workers);
    assertThat(r.step("out").itemsIn(owner)).isEqualTo(4);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4})
  void statefulMapDiscardsAKeyWhoseStateIsCleared(int workers) {
    // per key: count values; "reset" clears the state, so the key's logic is discarded and the
    // next value gets a fresh one (a new ValueState instance starting from null)
    Map<String, List<ValueState<Integer>>> statesSeen = new ConcurrentHashMap<>();
    ScriptedSource<KV<String, String>> src = ScriptedSource.<KV<String, String>>create()
        .emit(KV.of("a", "a:x"), KV.of("b", "b:x"), KV.of("a", "a:x"))
        .emit(KV.of("a", "a:reset"), KV.of("b", "b:x"))
        .emit(KV.of("a", "a:x"), KV.of("a", "a:x"), KV.of("b", "b:x"));
    Dataflow flow = new Dataflow("stateful-map");
    ListSink<KV<String, Integer>> sink = new ListSink<>();
    KeyedStream.of(flow.input("in", src))
        .statefulMap("count", (ValueState<Integer> state, String v) -> {
          statesSeen.computeIfAbsent(v.substring(0, 1), k -> new CopyOnWriteArrayList<>()).add(state);
          return v.endsWith("reset") ? resetAndReturn(state) : increment(state);
        })
        .output("out", sink);
    run(flow, workers);

    Map<String, List<Integer>> byKey = sink.items().stream()
        .collect(Collectors.groupingBy(KV::key, TreeMap::new, Collectors.mapping(KV::value, Collectors.toList())));
    assertThat(byKey.get("a")).containsExactly(1, 2, 0, 1, 2);
    assertThat(byKey.get("b")).containsExactly(1, 2, 3);
    List<ValueState<Integer>> a = statesSeen.get("a");
    assertThat(a).hasSize(5);
    assertThat(a.get(1)).isSameAs(a.get(0));
    assertThat(a.get(2)).isSameAs(a.get(0));
    assertThat(a.get(3)).isNotSameAs(a.get(0));
    assertThat(a.get(4)).isSameAs(a.get(3));
    assertThat(statesSeen.get("b")).hasSize(3).allSatisfy(st -> assertThat(st).isSameAs(statesSeen.get("b").get(0)));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4})
  void statefulFlatMapEmitsAnyNumberPerValue(int workers) {
    Dataflow flow = new Dataflow("stateful-flat-map");
    ListSink<KV<String, Integer>> sink = new ListSink<>();
    flow.input("in", items(100, 5, 9))
        .keyOn("key", Item::key)
        .statefulFlatMap("running", (ValueState<Integer> sum, Item it) -> {
          int s = sum.getOrDefault(0) + 1;
          sum.set(s);
          return s % 10 == 0 ? List.of(s, -s) : List.of();
        })
        .output("out", sink);
    run(flow, workers);
    // each key gets 4 partitions x 20 values = 80 values: outputs at 10, 20, ..., 80
    Map<String, List<Integer>> byKey = sink.items().stream()
        .collect(Collectors.groupingBy(KV::key, TreeMap::new, Collectors.mapping(KV::value, Collectors.toList())));
    assertThat(byKey).hasSize(5);
    byKey.forEach((k, v) -> assertThat(v).containsExactly(10, -10, 20, -20, 30, -30, 40, -40, 50, -50, 60, -60,
        70, -70, 80, -80));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4, 16})
  void foldFinalEmitsEachKeysAccumulatorAtTheEnd(int workers) {
    Dataflow flow = new Dataflow("fold");
    ListSink<KV<String, List<Integer>>> sink = new ListSink<>();
    flow.input("in", items(100, 7, 10))
        .keyOn("key", Item::key)
        .foldFinal("fold", ArrayList<Integer>::new, (List<Integer> acc, Item it) -> {
          List<Integer> next = new ArrayList<>(acc);
          next.add(it.partition() * 1000 + it.seq());
          return next;
        })
        .output("out", sink);
    run(flow, workers);
    Map<String, List<Integer>> expected = new TreeMap<>();
    for (int p = 0; p < 4; p++) {
      for (int s = 0; s < 100; s++) {
        expected.computeIfAbsent("k" + (s % 7), k -> new ArrayList<>()).add(p * 1000 + s);
      }
    }
    assertThat(sink.items()).hasSize(7);
    for (KV<String, List<Integer>> kv : sink.items()) {
      assertThat(kv.value()).containsExactlyInAnyOrderElementsOf(expected.get(kv.key()));
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4, 16})
  void reduceFinalCombinesWithinABatchBeforeTheExchange(int workers) {
    Dataflow flow = new Dataflow("reduce");
    ListSink<KV<String, Long>> sink = new ListSink<>();
    flow.input("in", items(250, 3, 7))
        .keyOn("key", Item::key)
        .mapValue("seq", it -> (long) it.seq())
        .reduceFinal("sum", Long::sum)
        .output("out", sink);
    RunResult r = run(flow, workers);
    Map<String, Long> expected = new TreeMap<>();
    for (int s = 0; s < 250; s++) {
      expected.merge("k" + (s % 3), 4L * s, Long::sum);
    }
    assertThat(toMap(sink.items())).isEqualTo(expected);
    StepStats pre = r.step("sum.pre");
    assertThat(pre.totalIn()).isEqualTo(1000);
    // batches of 7 hold at most 3 keys: far fewer items cross the exchange than came in
    assertThat(pre.totalOut()).isLessThan(pre.totalIn()).isLessThanOrEqualTo(4 * 36 * 3);
    assertThat(r.step("sum").totalIn()).isEqualTo(pre.totalOut());
    assertThat(r.step("sum").totalOut()).isEqualTo(3);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4, 16})
  void countFinalCountsPerKey(int workers) {
    Dataflow flow = new Dataflow("count");
    ListSink<KV<String, Long>> sink = new ListSink<>();
    flow.input("in", items(250, 4, 50))
        .countFinal("count", Item::key)
        .output("out", sink);
    RunResult r = run(flow, RunConfig.workers(workers).withRecordKeys(true));
    assertThat(toMap(sink.items())).isEqualTo(Map.of("k0", 252L, "k1", 252L, "k2", 248L, "k3", 248L));
    assertThat(r.step("count.pre").totalIn()).isEqualTo(1000);
    assertThat(r.step("count.pre").totalOut()).isLessThan(1000);
    for (int w = 0; w < workers; w++) {
      for (Object k : r.step("count").keys(w)) {
        assertThat(Routing.workerFor(k, workers)).isEqualTo(w);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4})
  void maxFinalAndMinFinal(int workers) {
    Dataflow flow = new Dataflow("max-min");
    ListSink<KV<String, Integer>> max = new ListSink<>();
    ListSink<KV<String, Integer>> min = new ListSink<>();
    KeyedStream<String, Integer> v = flow.input("in", items(100, 5, 8))
        .keyOn("key", Item::key)
        .mapValue("v", it -> (it.seq() * 37 + it.partition() * 11) % 101);
    v.maxFinal("max", Comparator.naturalOrder()).output("max-out", max);
    v.minFinal("min", Comparator.naturalOrder()).output("min-out", min);
    RunResult r = run(flow, workers);
    Map<String, Integer> expMax = new TreeMap<>();
    Map<String, Integer> expMin = new TreeMap<>();
    for (int p = 0; p < 4; p++) {
      for (int s = 0; s < 100; s++) {
        int value = (s * 37 + p * 11) % 101;
        expMax.merge("k" + (s % 5), value, Math::max);
        expMin.merge("k" + (s % 5), value, Math::min);
      }
    }
    assertThat(toMap(max.items())).isEqualTo(expMax);
    assertThat(toMap(min.items())).isEqualTo(expMin);
    assertThat(r.step("max.pre").totalOut()).isLessThan(400);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4, 16})
  void collectEmitsFullListsThenTheRestAtTheEnd(int workers) {
    Dataflow flow = new Dataflow("collect-size");
    ListSink<KV<String, List<Integer>>> sink = new ListSink<>();
    flow.input("in", items(250, 1, 11))
        .keyOn("key", it -> "p" + it.partition())
        .mapValue("seq", Item::seq)
        .collect("lists", 7, Duration.ofHours(1))
        .output("out", sink);
    run(flow, workers);
    Map<String, List<List<Integer>>> byKey = sink.items().stream()
        .collect(Collectors.groupingBy(KV::key, TreeMap::new, Collectors.mapping(KV::value, Collectors.toList())));
    assertThat(byKey).containsOnlyKeys("p0", "p1", "p2", "p3");
    byKey.forEach((k, lists) -> {
      assertThat(lists).hasSize(36);
      assertThat(lists.subList(0, 35)).allSatisfy(l -> assertThat(l).hasSize(7));
      assertThat(lists.get(35)).hasSize(5);
      assertThat(lists.stream().flatMap(List::stream).toList()).isEqualTo(io.sluice.TestSupport.ints(250));
    });
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4})
  void collectEmitsAfterTheTimeoutWhileTheSourcePauses(int workers) {
    ListSink<KV<String, List<String>>> sink = new ListSink<>();
    ScriptedSource<KV<String, String>> src = ScriptedSource.<KV<String, String>>create()
        .emit(KV.of("c", "1"), KV.of("c", "2"))
        .waitUntil(() -> !sink.items().isEmpty())
        .emit(KV.of("c", "3"));
    Dataflow flow = new Dataflow("collect-timeout");
    KeyedStream.of(flow.input("in", src))
        .collect("lists", 10, Duration.ofMillis(30))
        .output("out", sink);
    run(flow, workers);
    assertThat(sink.items()).containsExactly(KV.of("c", List.of("1", "2")), KV.of("c", List.of("3")));
  }

  private static <V> Map<String, V> toMap(List<KV<String, V>> kvs) {
    Map<String, V> m = new TreeMap<>();
    for (KV<String, V> kv : kvs) {
      assertThat(m.put(kv.key(), kv.value())).as("duplicate key %s", kv.key()).isNull();
    }
    return m;
  }

  private static int resetAndReturn(ValueState<Integer> state) {
    state.clear();
    return 0;
  }

  private static int increment(ValueState<Integer> state) {
    int c = state.getOrDefault(0) + 1;
    state.set(c);
    return c;
  }
}
