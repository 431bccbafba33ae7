package io.sluice.run;

import static io.sluice.TestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.TestSupport;
import io.sluice.connectors.IterableSource;
import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.KV;
import io.sluice.dataflow.KeyedStream;
import io.sluice.dataflow.ValueState;
import io.sluice.inputs.Routing;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What a run reports, and running plans again and side by side. */
class RunResultTest {

  private static Dataflow countFlow(String name, ListSink<KV<Integer, Long>> sink) {
    Dataflow flow = new Dataflow(name);
    flow.input("in", IterableSource.of(TestSupport.ints(500), 20))
        .map("mod", i -> i % 10)
        .countFinal("count", i -> i)
        .output("out", sink);
    return flow;
  }

  @Test
  void statsPerStepAndWorker() {
    ListSink<KV<Integer, Long>> sink = new ListSink<>();
    RunResult r = run(countFlow("stats", sink), 4);
    assertThat(r.steps().keySet()).containsExactly("in", "mod", "count.pre", "count", "out");
    StepStats in = r.step("in");
    assertThat(in.workerCount()).isEqualTo(4);
    assertThat(in.totalIn()).isZero();
    assertThat(in.totalOut()).isEqualTo(500);
    assertThat(r.step("mod").itemsIn(0)).isEqualTo(500);
    assertThat(r.step("count").totalOut()).isEqualTo(10);
    assertThat(r.step("out").totalIn()).isEqualTo(10);
    assertThat(r.step("out").totalOut()).isZero();
    assertThat(r.step("count").keysRecorded()).as("keys are recorded only when asked").isFalse();
    assertThat(r.step("count").keys(1)).isEmpty();
    long[] copy = in.itemsOutPerWorker();
    copy[0] = -1;
    assertThat(in.itemsOut(0)).isEqualTo(500);
    assertThat(in.toString()).contains("in=").contains("out=");
    assertThatThrownBy(() -> r.step("nope"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'nope'")
        .hasMessageContaining("count.pre");
  }

  @Test
  void aPlanCanRunAgainAtAnotherWorkerCountWithTheSameOutput() {
    ListSink<KV<Integer, Long>> sink = new ListSink<>();
    Dataflow flow = countFlow("again", sink);
    run(flow, 1);
    List<KV<Integer, Long>> first = sink.items();
    run(flow, 4);
    List<KV<Integer, Long>> both = sink.items();
    assertThat(first).hasSize(10);
    assertThat(both.subList(10, 20)).containsExactlyInAnyOrderElementsOf(first);
  }

  @Test
  void twoRunsSideBySideDoNotMix() {
    ListSink<KV<Integer, Long>> a = new ListSink<>();
    ListSink<KV<Integer, Long>> b = new ListSink<>();
    RunningDataflow ra = Sluice.start(countFlow(TestSupport.uniqueName("side-a"), a), RunConfig.workers(3));
    RunningDataflow rb = Sluice.start(countFlow(TestSupport.uniqueName("side-b"), b), RunConfig.workers(2));
    assertThat(ra.await(TestSupport.BOUND).workerCount()).isEqualTo(3);
    assertThat(rb.await(TestSupport.BOUND).workerCount()).isEqualTo(2);
    assertThat(a.items()).hasSize(10).allSatisfy(kv -> assertThat(kv.value()).isEqualTo(50L));
    assertThat(b.items()).containsExactlyInAnyOrderElementsOf(a.items());
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4})
  void keyedStepsCountTheItemsOfEachKeyOnTheWorkerThatProcessedThem(int workers) {
    ListSink<KV<Integer, Integer>> sink = new ListSink<>();
    Dataflow flow = new Dataflow("key-items");
    KeyedStream.of(flow.input("in", IterableSource.of(
            TestSupport.ints(600).stream().map(i -> KV.of(i % 3 == 0 ? 0 : i % 7, i)).toList(), 25)))
        .statefulMap("last", (ValueState<Integer> state, Integer v) -> v)
        .output("out", sink);
    RunResult r = Sluice.run(flow, RunConfig.workers(workers).withRecordKeys(true));
    Map<Object, Long> expected = new HashMap<>();
    TestSupport.ints(600).forEach(i -> expected.merge(i % 3 == 0 ? 0 : i % 7, 1L, Long::sum));
    Map<Object, Long> seen = new HashMap<>();
    for (int w = 0; w < workers; w++) {
      Map<Object, Long> items = r.step("last").keyItems(w);
      assertThat(items.keySet()).isEqualTo(r.step("last").keys(w));
      for (Object k : items.keySet()) {
        assertThat(Routing.workerFor(k, workers)).isEqualTo(w);
      }
      items.forEach((k, n) -> assertThat(seen.put(k, n)).as("key %s on one worker", k).isNull());
    }
    assertThat(seen).isEqualTo(expected);
    assertThat(r.step("in").keyItems(0)).as("only keyed steps record keys").isEmpty();
  }

  @Test
  void mergingProcessesAddsTheirCountsPerWorker() {
    Map<Object, Long> a = Map.of("x", 2L, "y", 1L);
    Map<Object, Long> b = Map.of("x", 3L);
    RunResult p0 = new RunResult("f", 2, Duration.ofMillis(5), Map.of("s", new StepStats("s", new long[] {3, 0},
        new long[] {3, 0}, Arrays.asList(a, Map.of()), new long[] {7, 0})), List.of());
    RunResult p1 = new RunResult("f", 2, Duration.ofMillis(9), Map.of("s", new StepStats("s", new long[] {3, 4},
        new long[] {0, 4}, Arrays.asList(b, Map.of("z", 4L)), new long[] {1, 8})), List.of());
    RunResult merged = RunResult.merge(List.of(p0, p1));
    StepStats s = merged.step("s");
    assertThat(s.keyItems(0)).isEqualTo(Map.of("x", 5L, "y", 1L));
    assertThat(s.keyItems(1)).isEqualTo(Map.of("z", 4L));
    assertThat(s.itemsIn(0)).isEqualTo(6);
    assertThat(s.maxActivation(1)).isEqualTo(Duration.ofNanos(8));
    assertThat(merged.duration()).isEqualTo(Duration.ofMillis(9));
  }
}
