package io.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.KV;
import java.util.ArrayList;
import java.util.List;

/**
 * An item changed after it was emitted: the test sink keeps what was written at the time, and the
 * run fails naming the step that emitted it, at every worker and process count.
 */
class ChangedAfterEmitTest {

  /** statefulMap returning its state list itself: the pitfall. */
  static Dataflow sharingFlow(TestSink<KV<String, List<String>>> out) {
    Dataflow flow = new Dataflow("shares-state");
    flow.input("in", TestSource.of("a1", "a2", "a3").withBatchSize(1))
        .keyOn("key", s -> "a")
        .<ArrayList<String>, List<String>>statefulMap("append", (state, v) -> {
          ArrayList<String> list = state.get() == null ? new ArrayList<>() : state.get();
          list.add(v);
          state.set(list);
          return list; // the state itself: changed again by the next value
        })
        .output("out", out);
    return flow;
  }

  @DataflowTest(workers = {1, 3}, processes = {1, 2})
  void aStepThatChangesAnItemAfterEmittingItFailsTheTestNamingTheStep(DataflowRunner runner) {
    TestSink<KV<String, List<String>>> out = new TestSink<>();
    assertThatThrownBy(() -> runner.run(sharingFlow(out)))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("step 'append'")
        .hasMessageContaining("emitted KV[key=a, value=[a1]]")
        .hasMessageContaining("it is now KV[key=a, value=[a1, a2, a3]]")
        .hasMessageContaining("List.copyOf");
    // the sink kept what was written when it was written, as a real sink would have
    assertThat(out.items()).extracting(KV::value)
        .containsExactly(List.of("a1"), List.of("a1", "a2"), List.of("a1", "a2", "a3"));
  }

  @DataflowTest(workers = {1, 3}, processes = {1, 2})
  void withTheCheckOffTheSinkStillHoldsWhatWasWrittenAtTheTime(DataflowRunner runner) {
    TestSink<KV<String, List<String>>> out = new TestSink<>();
    TestRun run = runner.withEmitCheck(false).run(sharingFlow(out));
    assertThat(run.output(out).items()).extracting(KV::value)
        .containsExactly(List.of("a1"), List.of("a1", "a2"), List.of("a1", "a2", "a3"));
  }

  @DataflowTest(workers = {1, 3}, processes = {1, 2})
  void emittingACopyPasses(DataflowRunner runner) {
    TestSink<KV<String, List<String>>> out = new TestSink<>();
    Dataflow flow = new Dataflow("copies-state");
    flow.input("in", TestSource.of("a1", "a2", "a3").withBatchSize(1))
        .keyOn("key", s -> "a")
        .<ArrayList<String>, List<String>>statefulMap("append", (state, v) -> {
          ArrayList<String> list = state.get() == null ? new ArrayList<>() : state.get();
          list.add(v);
          state.set(list);
          return new ArrayList<>(list); // a new, mutable list each time: fine, since nobody changes it later
        })
        .redistribute("spread")
        .output("out", out);
    TestRun run = runner.run(flow);
    assertThat(run.output(out).items()).extracting(KV::value)
        .containsExactlyInAnyOrder(List.of("a1"), List.of("a1", "a2"), List.of("a1", "a2", "a3"));
    assertThat(runner.checksEmits()).isTrue();
  }
}
