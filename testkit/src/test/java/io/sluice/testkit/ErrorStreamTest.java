package io.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.StepError;
import io.sluice.dataflow.Tried;
import io.sluice.run.StepFailedException;
import java.util.List;
import java.util.stream.IntStream;

/** The error policy: fail-fast by default, or items user code throws on as an error stream asserted like any output. */
class ErrorStreamTest {
  private static final List<String> LINES = List.of("1", "2", "x", "4", "", "6", "7", "eight", "9", "10");

  static Dataflow parse(List<String> lines, TestSink<Integer> out, TestSink<StepError<String>> errors) {
    Dataflow flow = new Dataflow("parse");
    Tried<Integer, String> parsed = flow.input("in", TestSource.dealt(3, lines)).tryMap("parse", Integer::parseInt);
    parsed.out().map("square", i -> i * i).output("out", out);
    parsed.errors().output("dead-letters", errors);
    return flow;
  }

  @DataflowTest(workers = {1, 3}, processes = {1, 2})
  void itemsUserCodeThrowsOnGoToTheErrorStreamAndTheRunGoesOn(DataflowRunner runner) {
    TestSink<Integer> out = new TestSink<>();
    TestSink<StepError<String>> errors = new TestSink<>();
    TestRun run = runner.run(parse(LINES, out, errors));

    assertThat(run.output(out).items()).containsExactlyInAnyOrder(1, 4, 16, 36, 49, 81, 100);
    SinkOutput<StepError<String>> dead = run.output(errors);
    assertThat(dead.items()).extracting(StepError::item).containsExactlyInAnyOrder("x", "", "eight");
    assertThat(dead.items()).allSatisfy(e -> {
      assertThat(e.stepId()).isEqualTo("parse");
      assertThat(e.error()).isInstanceOf(NumberFormatException.class);
      assertThat(e.describe()).startsWith("step 'parse' on worker " + e.worker() + ": java.lang.NumberFormatException");
    });
    // each error names the worker it happened on, which is where the error stream carried it
    for (Captured<StepError<String>> c : dead.records()) {
      assertThat(c.item().worker()).isEqualTo(c.worker());
    }
    assertThat(IntStream.range(0, run.workers()).map(w -> (int) run.step("parse.errors").itemsOut(w)).sum())
        .isEqualTo(3);
  }

  @DataflowTest(workers = {1, 2})
  void failFastStaysTheDefault(DataflowRunner runner) {
    TestSink<Integer> out = new TestSink<>();
    Dataflow flow = new Dataflow("parse-strict");
    flow.input("in", TestSource.dealt(1, LINES)).map("parse", Integer::parseInt).output("out", out);
    assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> runner.run(flow)))
        .isInstanceOf(StepFailedException.class).hasMessageContaining("step 'parse' failed");
  }
}
