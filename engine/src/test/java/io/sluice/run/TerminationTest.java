package io.sluice.run;

import static io.sluice.TestSupport.run;
import static io.sluice.TestSupport.workerThreads;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.TestSupport;
import io.sluice.connectors.FileSource;
import io.sluice.connectors.IterableSource;
import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Branched;
import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.KV;
import io.sluice.dataflow.Stream;
import io.sluice.inputs.DynamicSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Finite dataflows end by themselves, at any worker count, and leave no thread behind. */
class TerminationTest {

  private static RunResult runAndCheckThreads(Dataflow flow, int workers) {
    RunResult r = run(flow, workers);
    assertThat(workerThreads(flow.name())).isEmpty();
    return r;
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4, 16})
  void aSimpleFiniteFlowEnds(int workers) {
    Dataflow flow = new Dataflow(TestSupport.uniqueName("simple"));
    ListSink<Integer> sink = new ListSink<>();
    flow.input("in", IterableSource.of(TestSupport.ints(100), 3)).map("m", i -> i * 2).output("out", sink);
    RunResult r = runAndCheckThreads(flow, workers);
    assertThat(sink.items()).hasSize(100);
    assertThat(r.workerCount()).isEqualTo(workers);
    assertThat(r.flowName()).isEqualTo(flow.name());
    assertThat(r.duration()).isPositive();
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4, 16})
  void moreWorkersThanPartitionsWithAKeyedStep(int workers) {
    Map<String, List<Integer>> parts = new LinkedHashMap<>();
    parts.put("only-a", TestSupport.ints(50));
    parts.put("only-b", TestSupport.ints(70));
    Dataflow flow = new Dataflow(TestSupport.uniqueName("few-partitions"));
    ListSink<KV<Integer, Long>> sink = new ListSink<>();
    flow.input("in", IterableSource.partitioned(parts, 4)).countFinal("count", i -> i % 5).output("out", sink);
    runAndCheckThreads(flow, workers);
    Map<Integer, Long> counts = new TreeMap<>();
    sink.items().forEach(kv -> counts.put(kv.key(), kv.value()));
    assertThat(counts).isEqualTo(Map.of(0, 24L, 1, 24L, 2, 24L, 3, 24L, 4, 24L));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4, 16})
  void emptySourcesOfEveryKindEnd(int workers, @TempDir Path emptyDir) {
    Dataflow flow = new Dataflow(TestSupport.uniqueName("empty"));
    Stream<Object> a = flow.input("iterable", IterableSource.of(List.of()));
    Stream<Object> b = flow.input("partitions", IterableSource.partitioned(Map.of("x", List.of(), "y", List.of()), 5));
    Stream<Object> c = flow.input("dynamic", (DynamicSource<Object>) (step, w, n) -> () -> null);
    Stream<Object> d = flow.input("no-files", new FileSource(emptyDir)).map("up", s -> s);
    ListSink<Object> sink = new ListSink<>();
    ListSink<KV<String, Long>> counts = new ListSink<>();
    Stream<Object> all = a.merge("all", b, c, d);
    all.redistribute("spread").output("out", sink);
    all.countFinal("count", o -> o.toString()).output("counts", counts);
    RunResult r = runAndCheckThreads(flow, workers);
    assertThat(sink.items()).isEmpty();
    assertThat(counts.items()).isEmpty();
    assertThat(r.step("spread").totalIn()).isZero();
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4, 16})
  void aFlowWhoseOnlyOutputIsABranchsFalseSideEnds(int workers) {
    Dataflow flow = new Dataflow(TestSupport.uniqueName("false-side"));
    ListSink<Integer> sink = new ListSink<>();
    Branched<Integer> b = flow.input("in", IterableSource.of(TestSupport.ints(200), 9)).branch("b", i -> i % 3 == 0);
    b.trues().map("unused", i -> i); // the true side leads nowhere
    b.falses().output("out", sink);
    RunResult r = runAndCheckThreads(flow, workers);
    assertThat(sink.items()).hasSize(200 - 67).allSatisfy(i -> assertThat(i % 3).isNotZero());
    assertThat(r.step("unused").totalIn()).isEqualTo(67);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4, 16})
  void aChainOfExchangesEnds(int workers) {
    Dataflow flow = new Dataflow(TestSupport.uniqueName("chain"));
    ListSink<KV<String, Integer>> sink = new ListSink<>();
    flow.input("in", IterableSource.of(TestSupport.ints(1000), 10))
        .redistribute("spread")
        .keyOn("key", i -> "k" + (i % 13))
        .reduceFinal("sum", Integer::sum)
        .redistribute("again")
        .keyOn("rekey", kv -> kv.key().length())
        .statefulMap("last", (io.sluice.dataflow.ValueState<String> st, KV<String, Integer> kv) -> {
          st.set(kv.key());
          return kv;
        })
        .keyRm("rm")
        .output("out", sink);
    runAndCheckThreads(flow, workers);
    Map<String, Integer> sums = new TreeMap<>();
    sink.items().forEach(kv -> sums.put(kv.key(), kv.value()));
    Map<String, Integer> expected = new TreeMap<>();
    for (int i = 0; i < 1000; i++) {
      expected.merge("k" + (i % 13), i, Integer::sum);
    }
    assertThat(sums).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4, 16})
  void manySmallRunsInARowAllEnd(int workers) {
    for (int run = 0; run < 20; run++) {
      Dataflow flow = new Dataflow(TestSupport.uniqueName("small"));
      ListSink<Integer> sink = new ListSink<>();
      List<Integer> items = new ArrayList<>(TestSupport.ints(run));
      flow.input("in", IterableSource.of(items, 2)).redistribute("r").output("out", sink);
      runAndCheckThreads(flow, workers);
      assertThat(sink.items()).containsExactlyInAnyOrderElementsOf(items);
    }
  }
}
