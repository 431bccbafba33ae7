package io.sluice.run;

import static io.sluice.TestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.TestSupport;
import io.sluice.connectors.IterableSource;
import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.KV;
import java.util.List;
import org.junit.jupiter.api.Test;

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
}
