package io.sluice.testkit;

import static io.sluice.testkit.SluiceAssertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.testkit.engine.EventConditions.displayName;
import static org.junit.platform.testkit.engine.EventConditions.event;
import static org.junit.platform.testkit.engine.EventConditions.finishedSuccessfully;
import static org.junit.platform.testkit.engine.EventConditions.finishedWithFailure;
import static org.junit.platform.testkit.engine.EventConditions.test;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.cause;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.instanceOf;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.message;

import io.sluice.dataflow.Dataflow;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.platform.testkit.engine.Events;

/**
 * What {@link DataflowTest} does in a JUnit report: one invocation per worker count, named
 * {@code [4 workers]}, a runner for that count injected, class-level defaults, and a clear failure
 * for process counts this build cannot run. The annotated classes below are run through JUnit's
 * engine test kit, not directly.
 */
class DataflowTestExtensionTest {
  /** What each fixture invocation saw, by display name. */
  static final Map<String, String> SEEN = new ConcurrentHashMap<>();

  static Events run(Class<?> fixture) {
    SEEN.clear();
    return Fixtures.engine().selectors(selectClass(fixture)).execute().testEvents();
  }

  @Fixture
  static class WorkerCounts {
    @DataflowTest(workers = {1, 2, 4})
    void runsOncePerWorkerCount(DataflowRunner runner) {
      TestSink<Integer> out = new TestSink<>();
      Dataflow flow = new Dataflow("ints");
      flow.input("in", TestSource.of(1, 2, 3)).output("out", out);
      TestRun run = runner.run(flow);
      assertThat(run.workers()).isEqualTo(runner.workers());
      assertThat(run.output(out)).containsExactly(1, 2, 3);
      SEEN.put("workers=" + runner.workers(), runner.workerCounts() + " timeout=" + runner.timeout().toMillis());
    }
  }

  @Test
  void namesEachInvocationByItsWorkerCountAndInjectsARunnerForIt() {
    Events events = run(WorkerCounts.class);
    events.assertStatistics(s -> s.started(3).succeeded(3));
    events.assertThatEvents()
        .haveExactly(1, event(test(), displayName("[1 worker]"), finishedSuccessfully()))
        .haveExactly(1, event(test(), displayName("[2 workers]"), finishedSuccessfully()))
        .haveExactly(1, event(test(), displayName("[4 workers]"), finishedSuccessfully()));
    assertThat(SEEN).containsOnlyKeys("workers=1", "workers=2", "workers=4")
        .containsValue("[1, 2, 4] timeout=30000");
  }

  @Fixture
  @DataflowTest(workers = {3, 5}, timeoutMillis = 1234)
  static class ClassDefaults {
    @DataflowTest
    void inheritsEverything(DataflowRunner runner) {
      SEEN.put("inherits " + runner.workers(), "timeout=" + runner.timeout().toMillis());
    }

    @DataflowTest(workers = 2)
    void overridesWorkers(DataflowRunner runner) {
      SEEN.put("overrides " + runner.workers(), "timeout=" + runner.timeout().toMillis());
    }

    @DataflowTest(timeoutMillis = 99)
    void overridesTimeout(DataflowRunner runner) {
      SEEN.put("timeout " + runner.workers(), "timeout=" + runner.timeout().toMillis());
    }
  }

  @Test
  void classLevelAnnotationGivesDefaultsThatMethodsOverride() {
    Events events = run(ClassDefaults.class);
    events.assertStatistics(s -> s.started(5).succeeded(5));
    assertThat(SEEN).containsExactlyInAnyOrderEntriesOf(Map.of(
        "inherits 3", "timeout=1234", "inherits 5", "timeout=1234",
        "overrides 2", "timeout=1234",
        "timeout 3", "timeout=99", "timeout 5", "timeout=99"));
  }

  @Fixture
  static class SerdeCheckOn {
    @DataflowTest(workers = 2, serdeCheck = true)
    void hasSerdeCheck(DataflowRunner runner) {
      SEEN.put("serde", String.valueOf(runner.checksSerde()));
    }

    @DataflowTest(workers = 2)
    void hasNoSerdeCheck(DataflowRunner runner) {
      SEEN.put("no serde", String.valueOf(runner.checksSerde()));
      SEEN.put("records keys", String.valueOf(runner.config().recordKeys()));
    }
  }

  @Test
  void serdeCheckIsOptInAndKeysAreAlwaysRecorded() {
    run(SerdeCheckOn.class).assertStatistics(s -> s.succeeded(2));
    assertThat(SEEN).containsEntry("serde", "true").containsEntry("no serde", "false")
        .containsEntry("records keys", "true");
  }

  @Fixture
  static class TwoProcesses {
    @DataflowTest(workers = 2, processes = {1, 2})
    void acrossProcesses(DataflowRunner runner) {
      SEEN.put("processes " + runner.processes(), runner.processes() + " x " + runner.workers()
          + " = " + runner.totalWorkers());
    }
  }

  @Test
  void runsTheProcessesTimesWorkersMatrixNamingEachInvocation() {
    var events = Fixtures.engine().selectors(selectClass(TwoProcesses.class)).execute();
    events.testEvents().assertStatistics(st -> st.succeeded(2));
    assertThat(events.testEvents().started().stream().map(e -> e.getTestDescriptor().getDisplayName()))
        .containsExactly("[2 workers]", "[2 processes \u00d7 2 workers]");
    assertThat(SEEN).containsEntry("processes 1", "1 x 2 = 2").containsEntry("processes 2", "2 x 2 = 4");
  }

  static final java.util.concurrent.atomic.AtomicInteger ITEMS_SEEN = new java.util.concurrent.atomic.AtomicInteger();

  @Fixture
  static class SameOutputInEveryInvocation {
    @DataflowTest(workers = {1, 2, 4})
    void comparesOncePerMethod(DataflowRunner runner) {
      TestSink<Integer> out = new TestSink<>();
      Dataflow flow = new Dataflow("once");
      flow.input("in", TestSource.of(1, 2, 3)).map("count", i -> {
        ITEMS_SEEN.incrementAndGet();
        return i;
      }).output("out", out);
      var runs = SluiceAssertions.assertThat(flow).using(runner).hasSameOutputAtEveryWorkerCount(out);
      org.assertj.core.api.Assertions.assertThat(runs).containsKey(runner.workers());
      org.assertj.core.api.Assertions.assertThat(runs.get(runner.workers()).output(out).items())
          .containsExactlyInAnyOrder(1, 2, 3);
    }
  }

  @Test
  void theSameOutputCheckRunsEveryWorkerCountOncePerMethodNotPerInvocation() {
    ITEMS_SEEN.set(0);
    Fixtures.engine().selectors(selectClass(SameOutputInEveryInvocation.class)).execute()
        .testEvents().assertStatistics(s -> s.succeeded(3));
    // first invocation: runs at 1, 2 and 4 workers; the two others: their own count only. 5 runs of 3 items
    org.assertj.core.api.Assertions.assertThat(ITEMS_SEEN.get()).isEqualTo(5 * 3);
  }

  @Fixture
  static class ZeroProcesses {
    @DataflowTest(processes = 0)
    void never(DataflowRunner runner) {}
  }

  @Test
  void rejectsAProcessCountBelowOne() {
    Fixtures.engine().selectors(selectClass(ZeroProcesses.class)).execute().containerEvents()
        .assertThatEvents().haveExactly(1, event(finishedWithFailure(instanceOf(ExtensionConfigurationException.class),
            message(m -> m.contains("processes must be at least 1")))));
  }

  @Test
  void namesMultiProcessInvocationsByProcessesAndWorkers() {
    assertThat(Texts.displayName(2, 4)).isEqualTo("[2 processes \u00d7 4 workers]");
    assertThat(Texts.displayName(1, 1)).isEqualTo("[1 worker]");
  }

  @Fixture
  static class FailingInvocation {
    @DataflowTest(workers = {1, 2})
    void failsOnlyAtTwoWorkers(DataflowRunner runner) {
      TestSink<Integer> out = new TestSink<>();
      Dataflow flow = new Dataflow("two");
      flow.input("in", TestSource.of(1, 2, 3, 4)).redistribute("spread").output("out", out);
      TestRun run = runner.run(flow);
      assertThat(run).step("spread").stayedOnOneWorker();
    }
  }

  @Test
  void aFailingInvocationIsReportedUnderItsWorkerCount() {
    Events events = run(FailingInvocation.class);
    events.assertThatEvents()
        .haveExactly(1, event(test(), displayName("[1 worker]"), finishedSuccessfully()))
        .haveExactly(1, event(test(), displayName("[2 workers]"), finishedWithFailure(instanceOf(AssertionError.class),
            message(m -> m.startsWith("[2 workers] ") && m.contains("to stay on one worker") && m.contains("[2, 2]")))));
  }

  @Test
  void aFailureNamesItsInvocationAndKeepsItsTypeAndStackTrace() {
    var original = new org.opentest4j.AssertionFailedError("expected: 1 but was: 2", 1, 2);
    Throwable named = DataflowTestExtension.named("[2 processes \u00d7 4 workers]", original);
    org.assertj.core.api.Assertions.assertThat(named).isInstanceOf(org.opentest4j.AssertionFailedError.class)
        .hasMessage("[2 processes \u00d7 4 workers] expected: 1 but was: 2");
    var f = (org.opentest4j.AssertionFailedError) named;
    org.assertj.core.api.Assertions.assertThat(f.getExpected().getValue()).isEqualTo(1);
    org.assertj.core.api.Assertions.assertThat(f.getActual().getValue()).isEqualTo(2);
    org.assertj.core.api.Assertions.assertThat(named.getStackTrace()).isEqualTo(original.getStackTrace());

    IllegalStateException exception = new IllegalStateException("boom");
    org.assertj.core.api.Assertions.assertThat(DataflowTestExtension.named("[1 worker]", exception))
        .isInstanceOf(InvocationFailedException.class)
        .hasMessage("[1 worker] java.lang.IllegalStateException: boom")
        .hasCause(exception)
        .satisfies(e -> org.assertj.core.api.Assertions.assertThat(e.getStackTrace()).isEqualTo(exception.getStackTrace()));

    StackOverflowError error = new StackOverflowError("deep");
    org.assertj.core.api.Assertions.assertThat(DataflowTestExtension.named("[1 worker]", error)).isSameAs(error);
    org.assertj.core.api.Assertions.assertThat(error.getSuppressed()[0]).hasMessageContaining("[1 worker]");
    var aborted = new org.opentest4j.TestAbortedException("assumption failed");
    org.assertj.core.api.Assertions.assertThat(DataflowTestExtension.named("[1 worker]", aborted)).isSameAs(aborted);
  }

  @Fixture
  static class ThrowingInvocation {
    @DataflowTest(workers = 2)
    void stepThrows(DataflowRunner runner) {
      Dataflow flow = new Dataflow("throws");
      flow.input("in", TestSource.of(1, 2, 3)).map("divide", i -> 10 / (i - 2)).output("out", new TestSink<>());
      runner.run(flow);
    }
  }

  @Test
  void anExceptionIsReportedUnderItsConfigurationWithTheExceptionAsCause() {
    run(ThrowingInvocation.class).assertThatEvents()
        .haveExactly(1, event(test(), displayName("[2 workers]"), finishedWithFailure(
            instanceOf(InvocationFailedException.class),
            message(m -> m.startsWith("[2 workers] io.sluice.run.StepFailedException: step 'divide' failed")),
            cause(instanceOf(io.sluice.run.StepFailedException.class)))));
  }

  @Test
  void aRunnerCanBeMadeOutsideATemplate() {
    DataflowRunner r = DataflowRunner.withWorkers(3).withTimeout(Duration.ofSeconds(5));
    assertThat(r.workers()).isEqualTo(3);
    assertThat(r.workerCounts()).isEqualTo(List.of(1, 2, 4));
    assertThat(r.config().recordKeys()).isTrue();
    assertThat(r.atWorkers(8).workers()).isEqualTo(8);
    assertThat(r.toString()).isEqualTo("DataflowRunner[3 workers]");
  }
}
