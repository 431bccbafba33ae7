package io.sluice.dataflow;

import static io.sluice.TestSupport.ints;
import static io.sluice.TestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.connectors.IterableSource;
import io.sluice.connectors.ListSink;
import io.sluice.inputs.PartitionAssignment;
import io.sluice.run.RunResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The stateless operators, compared any-order at several worker counts. */
class StatelessOperatorsTest {
  private static final int N = 1000;

  /** {@code 0 .. n-1} dealt into 4 partitions "p0".."p3" (i goes to partition i % 4), batches of 7. */
  static IterableSource<Integer> fourPartitions(int n) {
    Map<String, List<Integer>> parts = new LinkedHashMap<>();
    for (int p = 0; p < 4; p++) {
      parts.put("p" + p, new ArrayList<>());
    }
    for (int i = 0; i < n; i++) {
      parts.get("p" + (i % 4)).add(i);
    }
    return IterableSource.partitioned(parts, 7);
  }

  private static <T> List<T> runToList(int workers, Function<Stream<Integer>, Stream<T>> body) {
    Dataflow flow = new Dataflow("stateless");
    ListSink<T> sink = new ListSink<>();
    body.apply(flow.input("in", fourPartitions(N))).output("out", sink);
    run(flow, workers);
    return sink.items();
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4, 16})
  void map(int workers) {
    List<String> out = runToList(workers, s -> s.map("m", i -> "v" + i));
    assertThat(out).containsExactlyInAnyOrderElementsOf(ints(N).stream().map(i -> "v" + i).toList());
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4})
  void flatMap(int workers) {
    List<Integer> out = runToList(workers, s -> s.flatMap("fm", i -> i % 3 == 0 ? List.of() : List.of(i, -i)));
    List<Integer> expected = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      if (i % 3 != 0) {
        expected.add(i);
        expected.add(-i);
      }
    }
    assertThat(out).containsExactlyInAnyOrderElementsOf(expected);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4})
  void filter(int workers) {
    List<Integer> out = runToList(workers, s -> s.filter("f", i -> i % 5 == 0));
    assertThat(out).containsExactlyInAnyOrderElementsOf(ints(N).stream().filter(i -> i % 5 == 0).toList());
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4})
  void filterMap(int workers) {
    List<String> out = runToList(workers,
        s -> s.filterMap("fm", i -> i % 2 == 0 ? Optional.of("e" + i) : Optional.<String>empty()));
    assertThat(out).containsExactlyInAnyOrderElementsOf(
        ints(N).stream().filter(i -> i % 2 == 0).map(i -> "e" + i).toList());
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4})
  void flatMapBatchSeesWholeBatches(int workers) {
    List<Integer> sizes = new CopyOnWriteArrayList<>();
    List<Integer> out = runToList(workers, s -> s.flatMapBatch("fmb", batch -> {
      sizes.add(batch.size());
      return List.of(batch.stream().mapToInt(Integer::intValue).sum());
    }));
    assertThat(out.stream().mapToLong(Integer::longValue).sum()).isEqualTo((long) N * (N - 1) / 2);
    // each of the 4 partitions holds 250 items, read in batches of 7: 35 full batches and one of 5
    assertThat(sizes).hasSize(4 * 36).containsOnly(7, 5);
    assertThat(out).hasSize(4 * 36);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4, 16})
  void flatMapBatchPerWorkerBuildsOneMapperPerWorker(int workers) {
    AtomicInteger built = new AtomicInteger();
    Set<Object> mapperIdentities = ConcurrentHashMap.newKeySet();
    Map<String, Set<Object>> mappersPerThread = new ConcurrentHashMap<>();
    List<Integer> out = runToList(workers, s -> s.flatMapBatchPerWorker("pw", () -> {
      built.incrementAndGet();
      Object token = new Object(); // stands for the mapper's own state
      BatchMapper<Integer, Integer> m = batch -> {
        mappersPerThread.computeIfAbsent(Thread.currentThread().getName(), k -> ConcurrentHashMap.newKeySet())
            .add(token);
        return batch;
      };
      mapperIdentities.add(m);
      return m;
    }));
    assertThat(out).containsExactlyInAnyOrderElementsOf(ints(N));
    assertThat(built).hasValue(workers);
    assertThat(mapperIdentities).hasSize(workers);
    // a thread only ever used its own mapper
    mappersPerThread.values().forEach(s -> assertThat(s).hasSize(1));
  }

  /**
   * A mapper that refills one output list for every batch, then an exchange: at one worker the
   * exchange queues batches without copying them, so without the runtime's copy the queued batch
   * would change under it when the mapper's next call refilled the list.
   */
  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4})
  void aMapperMayReuseItsOutputListWhateverFollows(int workers) {
    Dataflow flow = new Dataflow("reused-buffer");
    ListSink<KV<Integer, Long>> sums = new ListSink<>();
    KeyedStream.of(flow.input("in", fourPartitions(N))
        .flatMapBatchPerWorker("pairs", () -> {
          List<KV<Integer, Long>> buffer = new ArrayList<>();
          return batch -> {
            buffer.clear();
            for (Integer i : batch) {
              buffer.add(KV.of(i % 7, (long) i));
            }
            return buffer;
          };
        }))
        .foldFinal("sum", () -> 0L, Long::sum)
        .output("out", sums);
    run(flow, workers);
    Map<Integer, Long> expected = new java.util.TreeMap<>();
    ints(N).forEach(i -> expected.merge(i % 7, (long) i, Long::sum));
    Map<Integer, Long> actual = new java.util.TreeMap<>();
    sums.items().forEach(kv -> actual.put(kv.key(), kv.value()));
    assertThat(actual).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4})
  void branchSplitsByPredicate(int workers) {
    Dataflow flow = new Dataflow("branch");
    ListSink<Integer> evens = new ListSink<>();
    ListSink<Integer> odds = new ListSink<>();
    Branched<Integer> b = flow.input("in", fourPartitions(N)).branch("b", i -> i % 2 == 0);
    b.trues().output("evens", evens);
    b.falses().output("odds", odds);
    RunResult r = run(flow, workers);
    assertThat(evens.items()).containsExactlyInAnyOrderElementsOf(ints(N).stream().filter(i -> i % 2 == 0).toList());
    assertThat(odds.items()).containsExactlyInAnyOrderElementsOf(ints(N).stream().filter(i -> i % 2 != 0).toList());
    assertThat(r.step("b").totalIn()).isEqualTo(N);
    assertThat(r.step("b").totalOut()).isEqualTo(N);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4})
  void mergeOfBranchOutputsGivesBackEveryItemOnce(int workers) {
    List<Integer> out = runToList(workers, s -> {
      Branched<Integer> b = s.branch("b", i -> i < 300);
      Stream<Integer> low = b.trues().map("low", i -> i);
      Stream<Integer> high = b.falses().map("high", i -> i);
      return low.merge("m", high);
    });
    assertThat(out).containsExactlyInAnyOrderElementsOf(ints(N));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4})
  void mergeOfTwoInputsAndOfAStreamWithItself(int workers) {
    Dataflow flow = new Dataflow("merge");
    Stream<Integer> a = flow.input("a", fourPartitions(N));
    Stream<Integer> b = flow.input("b", IterableSource.of(List.of(-1, -2, -3)));
    ListSink<Integer> sink = new ListSink<>();
    ListSink<Integer> twice = new ListSink<>();
    flow.merge("ab", a, b).output("out", sink);
    b.merge("bb", b).output("twice", twice);
    RunResult r = run(flow, workers);
    List<Integer> expected = new ArrayList<>(ints(N));
    expected.addAll(List.of(-1, -2, -3));
    assertThat(sink.items()).containsExactlyInAnyOrderElementsOf(expected);
    assertThat(twice.items()).containsExactlyInAnyOrder(-1, -1, -2, -2, -3, -3);
    assertThat(r.step("ab").totalIn()).isEqualTo(N + 3);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4, 16})
  void inspectSeesTheWorkerThatHoldsTheItemAndAnEpoch(int workers) {
    record Seen(int item, int worker, long epoch, String thread) {}
    ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();
    List<Integer> out = runToList(workers, s -> s.inspect("look",
        (Integer i, int worker, long epoch) -> seen.add(new Seen(i, worker, epoch, Thread.currentThread().getName()))));
    assertThat(out).containsExactlyInAnyOrderElementsOf(ints(N));
    assertThat(seen).hasSize(N);
    Map<String, Integer> owner = PartitionAssignment.assign(List.of("p0", "p1", "p2", "p3"), workers);
    for (Seen s : seen) {
      assertThat(s.worker()).as("worker of item %s", s.item()).isEqualTo(owner.get("p" + (s.item() % 4)));
      assertThat(s.thread()).endsWith("-worker-" + s.worker());
      assertThat(s.epoch()).isGreaterThanOrEqualTo(1);
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4})
  void inspectWithConsumerPassesItemsOn(int workers) {
    ConcurrentLinkedQueue<Integer> seen = new ConcurrentLinkedQueue<>();
    List<Integer> out = runToList(workers, s -> s.inspect("look", seen::add));
    assertThat(out).containsExactlyInAnyOrderElementsOf(ints(N));
    assertThat(seen).containsExactlyInAnyOrderElementsOf(ints(N));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4})
  void keyedValueOperators(int workers) {
    Dataflow flow = new Dataflow("values");
    ListSink<KV<String, Integer>> mapped = new ListSink<>();
    ListSink<KV<String, Integer>> flat = new ListSink<>();
    ListSink<KV<String, Integer>> filtered = new ListSink<>();
    ListSink<Integer> values = new ListSink<>();
    KeyedStream<String, Integer> keyed = flow.input("in", fourPartitions(N)).keyOn("key", i -> "k" + (i % 10));
    keyed.mapValue("double", v -> v * 2).output("mapped", mapped);
    keyed.flatMapValue("twice", v -> List.of(v, v + N)).output("flat", flat);
    keyed.filterValue("small", v -> v < 100).output("filtered", filtered);
    keyed.keyRm("rm").output("values", values);
    run(flow, workers);

    assertThat(mapped.items()).containsExactlyInAnyOrderElementsOf(
        ints(N).stream().map(i -> KV.of("k" + (i % 10), i * 2)).toList());
    List<KV<String, Integer>> expectedFlat = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      expectedFlat.add(KV.of("k" + (i % 10), i));
      expectedFlat.add(KV.of("k" + (i % 10), i + N));
    }
    assertThat(flat.items()).containsExactlyInAnyOrderElementsOf(expectedFlat);
    assertThat(filtered.items()).containsExactlyInAnyOrderElementsOf(
        ints(100).stream().map(i -> KV.of("k" + (i % 10), i)).toList());
    assertThat(values.items()).containsExactlyInAnyOrderElementsOf(ints(N));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4, 16})
  void enrichCachedCallsTheGetterOncePerKeyAndWorker(int workers) {
    Map<String, AtomicInteger> callsPerThreadAndKey = new ConcurrentHashMap<>();
    List<String> out = runToList(workers, s -> s.enrichCached("enrich",
        (String key) -> {
          callsPerThreadAndKey.computeIfAbsent(Thread.currentThread().getName() + "/" + key,
              k -> new AtomicInteger()).incrementAndGet();
          return key.toUpperCase();
        },
        (TtlCache<String, String> cache, Integer i) -> cache.get("k" + (i % 3)) + i));
    assertThat(out).containsExactlyInAnyOrderElementsOf(ints(N).stream().map(i -> "K" + (i % 3) + i).toList());
    // every partition holds all 3 keys; one worker per partition, at most 4 workers read
    assertThat(callsPerThreadAndKey).hasSize(Math.min(workers, 4) * 3);
    callsPerThreadAndKey.forEach((k, calls) -> assertThat(calls).as(k).hasValue(1));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4})
  void enrichCachedWithAZeroTtlCallsTheGetterEveryTime(int workers) {
    AtomicInteger calls = new AtomicInteger();
    List<Integer> out = runToList(workers, s -> s.enrichCached("enrich",
        (String key) -> calls.incrementAndGet(),
        (TtlCache<String, Integer> cache, Integer i) -> cache.get("same"),
        java.time.Duration.ZERO));
    assertThat(out).hasSize(N).doesNotHaveDuplicates();
    assertThat(calls).hasValue(N);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4})
  void enrichCachedRemoveCallsTheGetterAgain(int workers) {
    AtomicInteger calls = new AtomicInteger();
    List<Integer> out = runToList(workers, s -> s.enrichCached("enrich",
        (String key) -> calls.incrementAndGet(),
        (TtlCache<String, Integer> cache, Integer i) -> {
          int v = cache.get("same");
          cache.remove("same");
          return v;
        }));
    assertThat(out).hasSize(N).doesNotHaveDuplicates();
    assertThat(calls).hasValue(N);
  }
}
