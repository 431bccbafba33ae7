package io.sluice.testkit;

import static io.sluice.testkit.SluiceAssertions.assertThat;
import static io.sluice.testkit.SluiceAssertions.assertThatThrownBy;
import static io.sluice.testkit.SluiceAssertions.catchThrowableOfType;

import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.KV;
import io.sluice.inputs.Routing;
import io.sluice.run.RunTimeoutException;
import io.sluice.run.StepFailedException;
import io.sluice.serde.SerdeException;
import java.io.Serializable;
import java.time.Duration;
import java.util.List;

/** What a test sees when a run hangs, when user code throws, and when an item cannot cross processes. */
class RunFailureTest {
  static List<String> liveWorkerThreads(String flowName) {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
        .filter(n -> n.startsWith("sluice-" + flowName + "-worker-")).toList();
  }

  @DataflowTest(workers = {1, 4}, timeoutMillis = 1000)
  void aRunThatDoesNotFinishFailsWithEachWorkersStateAndLeavesNoThreads(DataflowRunner runner) {
    TestSink<KV<String, String>> out = new TestSink<>();
    Dataflow flow = new Dataflow("hang");
    flow.input("in", TestSource.of(Script.of("a", "b").pause(Duration.ofHours(1)).then("never")))
        .keyOn("key", s -> s).statefulMap("keep", (state, s) -> s).output("out", out);

    // on the system clock the hour-long pause really waits (on virtual time it would pass at once)
    DataflowTimeoutError e = catchThrowableOfType(DataflowTimeoutError.class, () -> runner.withSystemClock().run(flow));

    assertThat(e).hasMessageStartingWith("dataflow 'hang' did not finish within PT1S on " + runner.workers())
        .hasMessageContaining("it was stopped. Worker state at the timeout:")
        .hasMessageContaining("worker 0 (running)\n  source 'in' partition 'partition-0': 2 items read, polling")
        .hasMessageContaining("exchange receiver 'keep': end-of-stream from ")
        .hasMessageContaining("exchange sender 'keep': channel depth per target [");
    assertThat(e.workerDump()).contains("worker " + (runner.workers() - 1) + " (running)");
    // the dump is printed once in a CI log: the cause (the engine's exception) keeps its first line only
    assertThat(e.getCause()).isInstanceOf(RunTimeoutException.class)
        .hasMessageStartingWith("dataflow 'hang' did not finish within PT1S").hasMessageNotContaining("worker 0 (running)");
    assertThat(liveWorkerThreads("hang")).isEmpty();
  }

  @DataflowTest(workers = {1, 2, 4})
  void anExceptionInUserCodeNamesTheStepTheWorkerAndTheItem(DataflowRunner runner) {
    Dataflow flow = new Dataflow("parse");
    flow.input("in", TestSource.of("1", "2", "x", "4"))
        .keyOn("key", s -> "all")
        .statefulMap("parse", (state, s) -> Integer.parseInt(s))
        .output("out", new TestSink<>());

    StepFailedException e = runner.runExpectingFailure(flow);

    int worker = Routing.workerFor("all", runner.workers());
    assertThat(e.stepId()).isEqualTo("parse");
    assertThat(e.worker()).isEqualTo(worker);
    assertThat(e.item()).isEqualTo("KV[key=all, value=x]");
    assertThat(e).hasMessage("step 'parse' failed on worker " + worker + " processing item KV[key=all, value=x]: "
            + "java.lang.NumberFormatException: For input string: \"x\"")
        .hasCauseInstanceOf(NumberFormatException.class);
    // and run() lets it through, so a plain test fails with the same message
    assertThatThrownBy(() -> runner.run(flow)).isInstanceOf(StepFailedException.class)
        .hasMessageContaining("step 'parse' failed on worker " + worker);
    assertThat(liveWorkerThreads("parse")).isEmpty();
  }

  @DataflowTest(workers = 2)
  void runExpectingFailureFailsWhenTheRunFinishes(DataflowRunner runner) {
    Dataflow flow = new Dataflow("fine");
    flow.input("in", TestSource.of(1)).output("out", new TestSink<>());
    assertThatThrownBy(() -> runner.runExpectingFailure(flow))
        .isInstanceOf(AssertionError.class)
        .hasMessage("expected dataflow 'fine' to fail on 2 workers, but it finished");
  }

  /** A value type the flow does not register (nor is it Serializable): fine in one process only. */
  record Reading(String sensor, double value) {}

  /** A Java-serializable value type, for the Java-serialization check. */
  record SerializableReading(String sensor, double value) implements Serializable {}

  static Dataflow readings(List<?> items, Class<?>... registered) {
    Dataflow flow = new Dataflow("readings").registerTypes(registered);
    flow.input("in", TestSource.ofAll(items)).redistribute("spread").output("out", new TestSink<>());
    return flow;
  }

  @DataflowTest(workers = 2)
  void withoutTheSerdeCheckATypeThatCannotCrossProcessesGoesUnnoticed(DataflowRunner runner) {
    TestRun run = runner.run(readings(List.of(new Reading("a", 1.0))));
    assertThat(run).step("spread").hasItemsInTotal(1);
  }

  @DataflowTest(workers = {1, 2}, serdeCheck = true)
  void theSerdeCheckFailsATypeTheFlowDidNotRegisterNamingItAndTheFix(DataflowRunner runner) {
    StepFailedException e = runner.runExpectingFailure(readings(List.of(new Reading("a", 1.0))));
    assertThat(e.stepId()).isEqualTo("spread");
    assertThat(e).hasCauseInstanceOf(SerdeException.class)
        .hasMessageContaining("io.sluice.testkit.RunFailureTest$Reading")
        .hasMessageContaining("Dataflow.registerTypes");
  }

  @DataflowTest(workers = {1, 2}, serdeCheck = true)
  void theSerdeCheckPassesTypesTheFlowRegistered(DataflowRunner runner) {
    TestRun run = runner.run(readings(List.of(new Reading("a", 1.0), KV.of("k", 2)), Reading.class));
    assertThat(run).step("spread").hasItemsInTotal(2);
  }

  @DataflowTest(workers = 2)
  void theJavaSerializationCheckFailsATypeThatIsNotSerializable(DataflowRunner runner) {
    StepFailedException e = runner.withSerdeCheck("io.sluice.testkit.")
        .runExpectingFailure(readings(List.of(new Reading("a", 1.0))));
    assertThat(e).hasCauseInstanceOf(SerdeException.class)
        .hasMessageContaining("cannot serialize io.sluice.testkit.RunFailureTest$Reading")
        .hasMessageContaining("is not java.io.Serializable");
    TestRun run = runner.withSerdeCheck("io.sluice.testkit.").run(readings(List.of(new SerializableReading("a", 1.0))));
    assertThat(run).step("spread").hasItemsInTotal(1);
  }

  @DataflowTest(workers = 2)
  void theSerdeCheckRefusesTypesOutsideItsAllowList(DataflowRunner runner) {
    StepFailedException e = runner.withSerdeCheck("com.acme.")
        .runExpectingFailure(readings(List.of(new SerializableReading("a", 1.0))));
    assertThat(e).hasCauseInstanceOf(SerdeException.class)
        .hasMessageContaining("refused to deserialize");
  }
}
