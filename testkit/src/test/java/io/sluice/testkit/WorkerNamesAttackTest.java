package io.sluice.testkit;

import static io.sluice.testkit.SluiceAssertions.assertThat;
import static io.sluice.testkit.SluiceAssertions.assertThatThrownBy;

import io.sluice.dataflow.KV;
import io.sluice.inputs.Routing;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Attacks on {@link WorkerNames} beyond the 2 × 2 runs of {@link ProcessOfWorkerInMessagesTest}:
 * uneven shapes (3 processes × 1 worker, 2 processes × 3 workers), where worker {@code w} is in
 * process {@code w / workersPerProcess} and a wrong divisor or a per-process index shows at once;
 * messages putting together runs of different shapes (a recovery resumed in another deployment);
 * and one-process messages exactly as before. Each expected name is written out here, not computed
 * by the testkit.
 */
class WorkerNamesAttackTest {

  /** The worker's name written out from the runner's shape: "worker 4 (process 1)", or "worker 4" in one process. */
  private static String named(DataflowRunner runner, int worker) {
    return runner.processes() == 1 ? "worker " + worker
        : "worker " + worker + " (process " + worker / runner.workersPerProcess() + ")";
  }

  /** Guards: the per-process grouping after a per-worker list, at uneven shapes ("worker 0" for a one-worker process). */
  @Test
  void perWorkerGroupsEachProcessAtUnevenShapes() {
    assertThat(new WorkerNames(3, 1).perWorker(new long[] {5, 0, 0}))
        .isEqualTo("[5, 0, 0] (process 0: worker 0, process 1: worker 1, process 2: worker 2)");
    assertThat(new WorkerNames(2, 3).perWorker(new long[] {1, 2, 3, 4, 5, 6}))
        .isEqualTo("[1, 2, 3, 4, 5, 6] (process 0: workers 0..2, process 1: workers 3..5)");
    assertThat(new WorkerNames(2, 3).workers(List.of(5, 2, 3)))
        .isEqualTo("workers [2 (process 0), 3 (process 1), 5 (process 1)]");
    // one process: as before the names said processes
    assertThat(new WorkerNames(1, 3).perWorker(new long[] {1, 2, 3})).isEqualTo("[1, 2, 3]");
    assertThat(new WorkerNames(1, 3).workers(List.of(2, 0))).isEqualTo("workers [0, 2]");
    assertThat(new WorkerNames(1, 3).worker(2)).isEqualTo("worker 2");
  }

  /**
   * Guards: a recovery invocation's name combines two shapes: the crash's worker is named in the
   * crashed run's shape (3 × 1: worker 2 is process 2; 2 × 3: worker 4 is process 1), and a crash in
   * one process stays "worker 2", as before, whatever the resume.
   */
  @Test
  void recoveryNamesNameTheCrashedWorkerInTheCrashedRunsShape() {
    Crash onTwo = Crash.whenStepSeesItemNumber("count", 7).onWorker(2);
    assertThat(RecoveryScenario.describe(3, 1, onTwo, 1, 2)).isEqualTo("3 processes \u00d7 1 worker, crash when step"
        + " 'count' sees its item number 7 on worker 2 (process 2), resume at 1 process \u00d7 2 workers");
    assertThat(RecoveryScenario.describe(2, 3, Crash.whenStepSeesItemNumber("count", 7).onWorker(4), 3, 1))
        .isEqualTo("2 processes \u00d7 3 workers, crash when step 'count' sees its item number 7 on worker 4"
            + " (process 1), resume at 3 processes \u00d7 1 worker");
    assertThat(RecoveryScenario.describe(1, 3, onTwo, 2, 3)).isEqualTo("3 workers, crash when step 'count' sees its"
        + " item number 7 on worker 2, resume at 2 processes \u00d7 3 workers");
    assertThat(RecoveryScenario.describe(1, 3, onTwo, 1, 1)).isEqualTo("3 workers, crash when step 'count' sees its"
        + " item number 7 on worker 2, resume at 1 worker");
  }

  /**
   * Guards: a crash point on a worker the invocation's shape does not have (the invocation is
   * skipped, "the crash point is on worker 3, and a run of 2 processes × 1 worker has workers 0..1
   * only") is named by its index alone: before the fix its display name said "worker 3 (process 3)",
   * a process the run does not have either.
   */
  @Test
  void aWorkerOutsideTheRunIsNotGivenAProcess() {
    assertThat(new WorkerNames(2, 1).worker(3)).isEqualTo("worker 3");
    assertThat(new WorkerNames(2, 3).worker(5)).isEqualTo("worker 5 (process 1)");
    assertThat(new WorkerNames(2, 3).worker(6)).isEqualTo("worker 6");
    assertThat(RecoveryScenario.describe(2, 1, Crash.whenStepSeesItemNumber("count", 7).onWorker(3), 2, 2))
        .isEqualTo("2 processes \u00d7 1 worker, crash when step 'count' sees its item number 7 on worker 3, resume at"
            + " 2 processes \u00d7 2 workers");
  }

  /**
   * Guards: a recovery over several crashes in a row ({@link RecoveryRun#of(SinkOutput, List, long,
   * SinkOutput)}) where one crashed run had 3 processes × 1 worker and the others 1 process × 4
   * workers (more workers in all): the message names each writer's process, as for any comparison
   * of which a run had several processes. Before the fix the crashed runs were put together under
   * the shape with the most workers in all (1 process), so the 3-process run's writers lost their
   * process ("worker 2").
   */
  @Test
  void severalCrashesOfDifferentShapesKeepTheProcessesInNames() {
    SinkOutput<String> reference = new SinkOutput<>("output of step 'out'", 1, 4, List.of(
        new Captured<>("x", 0, 3, "out", 1, 0)));
    SinkOutput<String> wideCrash = new SinkOutput<>("output of step 'out'", 1, 4, List.of());
    SinkOutput<String> threeProcesses = new SinkOutput<>("output of step 'out'", 3, 1, List.of(
        new Captured<>("z", 2, 2, "out", 1, 0)));
    SinkOutput<String> resumed = new SinkOutput<>("output of step 'out'", 1, 4, List.of());
    RecoveryRun<String> rec = RecoveryRun.of(reference, List.of(wideCrash, threeProcesses), 0, resumed);
    assertThatThrownBy(() -> assertThat(rec).lostNothing())
        .hasMessageContaining("\"x\" (epoch 1, worker 3 (process 0))")
        .hasMessageContaining("\"z\" (epoch 1, worker 2 (process 2))");
    // all in one process: the names as before
    SinkOutput<String> oneProcess = new SinkOutput<>("output of step 'out'", 1, 2, List.of(
        new Captured<>("z", 0, 1, "out", 1, 0)));
    RecoveryRun<String> single = RecoveryRun.of(reference, List.of(wideCrash, oneProcess), 0, resumed);
    assertThatThrownBy(() -> assertThat(single).lostNothing())
        .hasMessageContaining("\"x\" (epoch 1, worker 3)")
        .hasMessageContaining("\"z\" (epoch 1, worker 1)");
  }

  /** Guards: a spread failure at 3 × 1 and 2 × 3 names the process of every worker that got none. */
  @DataflowTest(workers = 1, processes = 3)
  void spreadFailuresNameEachWorkersProcessAtThreeProcessesOfOneWorker(DataflowRunner runner) {
    spreadFailuresNameEachWorkersProcess(runner);
  }

  /** As above at 2 × 3, and in 1 process × 3 workers the message as before. */
  @DataflowTest(workers = 3, processes = {1, 2})
  void spreadFailuresNameEachWorkersProcessAtTwoProcessesOfThreeWorkers(DataflowRunner runner) {
    spreadFailuresNameEachWorkersProcess(runner);
  }

  private static void spreadFailuresNameEachWorkersProcess(DataflowRunner runner) {
    TestSink<Integer> out = new TestSink<>();
    TestRun run = runner.run(StepAssertTest.singlePartition(false, out));
    int n = runner.totalWorkers();
    long[] per = new long[n];
    per[0] = 1000;
    String counts = java.util.Arrays.toString(per);
    String groups;
    if (runner.processes() == 3) {
      groups = " (process 0: worker 0, process 1: worker 1, process 2: worker 2)";
    } else if (runner.processes() == 2) {
      groups = " (process 0: workers 0..2, process 1: workers 3..5)";
    } else {
      groups = ""; // one process: the message as before
    }
    List<String> none = new ArrayList<>();
    for (int w = 1; w < n; w++) {
      none.add(named(runner, w).substring("worker ".length()));
    }
    assertThatThrownBy(() -> assertThat(run).step("work").isSpreadOverAllWorkers())
        .hasMessageContaining("but workers [" + String.join(", ", none) + "] got none: items per worker " + counts
            + groups + ". Items stay");
    int last = n - 1;
    assertThatThrownBy(() -> assertThat(run).step("work").stayedOnWorker(last))
        .hasMessageEndingWith("on " + named(runner, last) + ", but they were on another: items per worker " + counts
            + groups);
  }

  /** Guards: an output diff and a key-placement failure name the right process at uneven shapes. */
  @DataflowTest(workers = 1, processes = 3)
  void outputAndKeyPlacementNameTheRightProcessAtThreeProcessesOfOneWorker(DataflowRunner runner) {
    outputAndKeyPlacementNameTheRightProcess(runner);
  }

  @DataflowTest(workers = 3, processes = 2)
  void outputAndKeyPlacementNameTheRightProcessAtTwoProcessesOfThreeWorkers(DataflowRunner runner) {
    outputAndKeyPlacementNameTheRightProcess(runner);
  }

  private static void outputAndKeyPlacementNameTheRightProcess(DataflowRunner runner) {
    TestSink<KV<String, Long>> out = new TestSink<>();
    TestRun run = runner.run(StepAssertTest.countFlow(out, StepAssertTest.manyWords()));
    int n = runner.totalWorkers();
    // a word owned by a worker of the last process
    String word = StepAssertTest.WORDS.stream()
        .filter(x -> Routing.workerFor(x, n) / runner.workersPerProcess() == runner.processes() - 1)
        .findFirst().orElseThrow();
    int w = Routing.workerFor(word, n);
    List<KV<String, Long>> expected = new ArrayList<>(StepAssertTest.WORDS.stream().map(x -> KV.of(x, 50L)).toList());
    expected.set(StepAssertTest.WORDS.indexOf(word), KV.of(word, 49L));
    assertThatThrownBy(() -> assertThat(run.output(out)).containsExactlyInAnyOrderElementsOf(expected))
        .hasMessageEndingWith("unexpected (1): [KV[key=" + word + ", value=50] from " + named(runner, w) + "]");
    int other = (w + 1) % n;
    assertThatThrownBy(() -> assertThat(run).step("count").hasKeyOnWorker(word, other))
        .hasMessageContaining("to process key \"" + word + "\" on " + named(runner, other) + ", but it was processed on "
            + named(runner, w) + " (Routing.workerFor(\"" + word + "\", " + n + ") = "
            + named(runner, w).substring("worker ".length()) + ")");
  }

  /** Guards: an injected crash at 2 × 3 names global worker 4 as in process 1 (a per-process index would say 1). */
  @DataflowTest(workers = 3, processes = 2)
  void anInjectedCrashNamesTheGlobalWorkerAndItsProcess(DataflowRunner runner) {
    int w = Routing.workerFor("c", runner.totalWorkers());
    CrashedRun crashed = runner.runUntilCrash(ProcessOfWorkerInMessagesTest.counting("crash-2x3"),
        Crash.whenStepSeesItemNumber("count", 2).onWorker(w));
    assertThat(crashed.failure()).hasMessageContaining("injected crash: step 'count' on worker " + w + " (process "
        + w / 3 + ") was about to process its item number 2");
  }

  /** {@link RecoveryScenarioTest#countFlow} with every count 100 too high. */
  private static io.sluice.dataflow.Dataflow offByHundred(TestSource<String> source, TestSink<KV<String, Long>> out) {
    io.sluice.dataflow.Dataflow flow = new io.sluice.dataflow.Dataflow("scenario-count");
    flow.input("in", source)
        .keyOn("key", s -> s.substring(0, 1))
        .<Long, Long>statefulMap("count", (state, v) -> {
          long n = state.get() == null ? 101 : state.get() + 1;
          state.set(n);
          return n;
        })
        .output("out", out);
    return flow;
  }

  /**
   * Guards: a recovery message putting together a crashed run at 3 processes × 1 worker and a
   * resumed run in 1 process × 1 worker names each item's writer with its own run's process: lost
   * items (from the 3-process reference) say "worker w (process w)", items written instead by the
   * one-process resume say "worker 0 (process 0)" — never a process computed from the other run's shape.
   */
  @DataflowTest(workers = 1, processes = 3)
  void aRecoveryAcrossShapesNamesEachRecordsOwnProcess(DataflowRunner runner) {
    TestSink<KV<String, Long>> ref = new TestSink<>();
    TestSink<KV<String, Long>> before = new TestSink<>();
    TestSink<KV<String, Long>> after = new TestSink<>();
    TestRun reference = runner.run(RecoveryScenarioTest.countFlow(RecoveryScenarioTest.source(0), ref));
    CrashedRun crashed = runner.runUntilCrash(RecoveryScenarioTest.countFlow(RecoveryScenarioTest.source(0), before),
        Crash.whenStepSees("count", KV.of("a", "a20")));
    // resumed in one process by a broken flow whose counts are off by 100: the reference's counts are
    // lost, and the resume's are written instead
    DataflowRunner single = runner.withProcesses(1);
    TestRun resumed = single.run(offByHundred(RecoveryScenarioTest.source(20), after));
    RecoveryRun<KV<String, Long>> rec = RecoveryRun.of(reference.output(ref), crashed.output(before), 0,
        resumed.output(after));
    Throwable e = org.assertj.core.api.Assertions.catchThrowable(() -> assertThat(rec).lostNothing());
    assertThat(e).isNotNull();
    String message = e.getMessage();
    int split = message.indexOf("written instead");
    assertThat(split).as(message).isPositive();
    Pattern line = Pattern.compile("\n  KV\\[key=(\\w), value=\\d+\\] \\(epoch \\d+, worker (\\d+)( \\(process (\\d+)\\))?\\)");
    Matcher lost = line.matcher(message.substring(0, split));
    int lostLines = 0;
    while (lost.find()) {
      lostLines++;
      int w = Routing.workerFor(lost.group(1), 3);
      assertThat(Integer.parseInt(lost.group(2))).as(message).isEqualTo(w);
      assertThat(lost.group(4)).as(message).isEqualTo(String.valueOf(w)); // 3 × 1: worker w is process w
    }
    Matcher instead = line.matcher(message.substring(split));
    int insteadLines = 0;
    while (instead.find()) {
      insteadLines++;
      assertThat(instead.group(2)).as(message).isEqualTo("0");
      assertThat(instead.group(4)).as(message).isEqualTo("0");
    }
    assertThat(lostLines).as(message).isPositive();
    assertThat(insteadLines).as(message).isPositive();
  }
}
