package io.sluice.testkit;

import static io.sluice.testkit.SluiceAssertions.assertThat;
import static io.sluice.testkit.SluiceAssertions.assertThatThrownBy;
import static io.sluice.testkit.SluiceAssertions.withinPercentage;

import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.KV;
import io.sluice.inputs.Routing;
import io.sluice.run.RunResult;
import io.sluice.run.StepStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Failure messages name a worker by its global index and, in a run of several processes, its
 * process too: {@code worker 2 (process 1)} at 2 processes × 2 workers (worker w is in process
 * w / 2), plain {@code worker 2} in one process. Each kind of message is checked on a real run at
 * both deployments ({@code processes = {1, 2}}: the one-process message is the one from before).
 */
class ProcessOfWorkerInMessagesTest {
  static final List<String> WORDS = StepAssertTest.WORDS;

  /** A word routing puts on a worker of process {@code p} at 2 processes × 2 workers. */
  static String wordInProcess(int p) {
    return WORDS.stream().filter(w -> Routing.workerFor(w, 4) / 2 == p).findFirst().orElseThrow();
  }

  /** "worker 3 (process 1)" at 2 × 2; "worker 3" in one process: written out, not computed by the testkit. */
  static String named(DataflowRunner runner, int worker) {
    return runner.processes() == 1 ? "worker " + worker : "worker " + worker + " (process " + worker / runner.workers() + ")";
  }

  // ------------------------------------------------------------------ output diffs

  @DataflowTest(workers = 2, processes = {1, 2})
  void anOutputDiffNamesTheProcessOfTheWorkerAnItemCameFrom(DataflowRunner runner) {
    TestSink<KV<String, Long>> out = new TestSink<>();
    TestRun run = runner.run(StepAssertTest.countFlow(out, StepAssertTest.manyWords()));
    String word = wordInProcess(1);
    int w = Routing.workerFor(word, runner.totalWorkers());
    List<KV<String, Long>> expected = new ArrayList<>(WORDS.stream().map(x -> KV.of(x, 50L)).toList());
    expected.set(WORDS.indexOf(word), KV.of(word, 49L));
    String fromWhere = runner.processes() == 1 ? " from worker " + w : " from worker " + w + " (process " + w / 2 + ")";
    assertThatThrownBy(() -> assertThat(run.output(out)).containsExactlyInAnyOrderElementsOf(expected))
        .hasMessageEndingWith("\n  missing (1): [KV[key=" + word + ", value=49]]\n  unexpected (1): [KV[key=" + word
            + ", value=50]" + fromWhere + "]");
    if (runner.processes() == 1) {
      assertThat(fromWhere).isEqualTo(" from worker " + w); // the one-process message as it was
    }
  }

  @DataflowTest(workers = 2, processes = {1, 2})
  void aDuplicateFromWorkersOfSeveralProcessesNamesEachWorkersProcess(DataflowRunner runner) {
    TestSink<String> out = new TestSink<>();
    Dataflow flow = new Dataflow("same-everywhere");
    flow.input("in", TestSource.dealt(3, WORDS))
        .keyOn("key", x -> x)
        .<Long, String>statefulMap("constant", (state, x) -> "x")
        .keyRm("unkey")
        .output("out", out);
    TestRun run = runner.run(flow);
    TreeSet<Integer> writers = new TreeSet<>();
    WORDS.forEach(x -> writers.add(Routing.workerFor(x, runner.totalWorkers())));
    List<String> names = new ArrayList<>();
    for (int w : writers) {
      names.add(runner.processes() == 1 ? String.valueOf(w) : w + " (process " + w / 2 + ")");
    }
    assertThat(writers).hasSizeGreaterThan(1);
    assertThatThrownBy(() -> assertThat(run.output(out)).hasNoDuplicates())
        .hasMessageEndingWith("duplicated (1): [\"x\" received 8 times from workers [" + String.join(", ", names) + "]]");
    if (runner.processes() == 1) {
      assertThatThrownBy(() -> assertThat(run.output(out)).hasNoDuplicates())
          .hasMessageEndingWith("received 8 times from workers " + writers + "]");
    }
  }

  @DataflowTest(workers = 2, processes = {1, 2})
  void anInOrderDiffNamesTheProcessOfTheItemReceivedInstead(DataflowRunner runner) {
    TestSink<KV<String, Long>> out = new TestSink<>();
    TestRun run = runner.run(StepAssertTest.countFlow(out, StepAssertTest.manyWords()));
    List<KV<String, Long>> got = run.output(out).items();
    List<KV<String, Long>> reversed = new ArrayList<>(got);
    java.util.Collections.reverse(reversed);
    Throwable e = org.assertj.core.api.Assertions.catchThrowable(
        () -> assertThat(run.output(out)).containsExactlyElementsOf(reversed));
    Matcher m = Pattern.compile("First difference at position 0: expected .+? but received KV\\[key=(\\w+), value=50\\]"
        + " from worker (\\d)( \\(process (\\d)\\))?\n").matcher(e.getMessage());
    assertThat(m.find()).as(e.getMessage()).isTrue();
    int w = Routing.workerFor(m.group(1), runner.totalWorkers());
    assertThat(Integer.parseInt(m.group(2))).isEqualTo(w);
    if (runner.processes() == 1) {
      assertThat(m.group(3)).isNull();
    } else {
      assertThat(m.group(4)).isEqualTo(String.valueOf(w / 2));
    }
  }

  // ------------------------------------------------------------------ key placement

  @DataflowTest(workers = 2, processes = {1, 2})
  void aKeyOnAnotherWorkerNamesBothWorkersProcesses(DataflowRunner runner) {
    TestSink<KV<String, Long>> out = new TestSink<>();
    TestRun run = runner.run(StepAssertTest.countFlow(out, StepAssertTest.manyWords()));
    String word = wordInProcess(1);
    int owner = Routing.workerFor(word, runner.totalWorkers());
    // another worker: in the other process when there are two
    int other = (owner + (runner.processes() == 1 ? 1 : runner.workers())) % runner.totalWorkers();
    String expected = "Expected keyed step 'count' (" + run.describe() + ") to process key \"" + word + "\" on "
        + named(runner, other) + ", but it was processed on " + named(runner, owner) + " (Routing.workerFor(\"" + word
        + "\", " + runner.totalWorkers() + ") = " + named(runner, owner).substring("worker ".length()) + ")";
    assertThatThrownBy(() -> assertThat(run).step("count").hasKeyOnWorker(word, other)).hasMessage(expected);
    if (runner.processes() == 1) {
      assertThat(expected).endsWith("processed on worker " + owner + " (Routing.workerFor(\"" + word + "\", 2) = " + owner + ")");
    } else {
      assertThat(expected).contains("on worker " + other + " (process " + other / 2 + "), but it was processed on worker "
          + owner + " (process 1) (Routing.workerFor(\"" + word + "\", 4) = " + owner + " (process 1))");
    }
    assertThatThrownBy(() -> assertThat(run).step("count").hasKeyOnWorker("cherry", 3 % runner.totalWorkers()))
        .hasMessageContaining("to process key \"cherry\" on " + named(runner, 3 % runner.totalWorkers())
            + ", but it never saw that key");
  }

  /**
   * Keys where the engine never puts them (stats made by hand: no real run misplaces keys), at 2
   * processes × 2 workers: both placement checks name each worker's process.
   */
  @Test
  void misplacedKeysAcrossProcessesNameEachWorkersProcess() {
    TestSink<KV<String, Long>> out = new TestSink<>();
    Dataflow flow = StepAssertTest.countFlow(out, WORDS);
    String a = WORDS.stream().filter(w -> Routing.workerFor(w, 4) == 1).findFirst().orElseThrow();
    List<Map<Object, Long>> keys = List.of(Map.of(), Map.of(a, 1L), Map.of(), Map.of(a, 1L));
    Map<String, StepStats> steps = new LinkedHashMap<>();
    for (String id : List.of("in", "count.pre", "count", "out")) {
      steps.put(id, new StepStats(id, new long[4], new long[4],
          id.equals("count") ? keys : Arrays.asList(null, null, null, null), new long[4]));
    }
    TestRun run = new TestRun(flow, new RunResult("words", 4, Duration.ZERO, steps, List.of()), 2, Map.of());
    assertThatThrownBy(() -> assertThat(run).step("count").hasEachKeyOnExactlyOneWorker())
        .hasMessageEndingWith("processed on several:\n  key \"" + a + "\" on workers [1 (process 0), 3 (process 1)]");
    assertThatThrownBy(() -> assertThat(run).step("count").hasEachKeyOnTheWorkerRoutingPredicts())
        .hasMessage("Expected every key of keyed step 'count' (dataflow 'words' at 2 processes \u00d7 2 workers) on the"
            + " worker routing predicts, but 1 key was not:\n  key \"" + a + "\" was processed on workers"
            + " [1 (process 0), 3 (process 1)], but Routing.workerFor(\"" + a + "\", 4) = 1 (process 0)");
  }

  // ------------------------------------------------------------------ spread and skew

  @DataflowTest(workers = 2, processes = {1, 2})
  void spreadFailuresNameTheProcessOfEachWorker(DataflowRunner runner) {
    TestSink<Integer> out = new TestSink<>();
    TestRun run = runner.run(StepAssertTest.singlePartition(false, out));
    if (runner.processes() == 1) {
      assertThatThrownBy(() -> assertThat(run).step("work").isSpreadOverAllWorkers())
          .hasMessageContaining("but worker 1 got none: items per worker [1000, 0]. Items stay");
      assertThatThrownBy(() -> assertThat(run).step("work").isSpreadEvenlyWithin(withinPercentage(20)))
          .hasMessageContaining("but:\n  worker 0: 1000 (+100.0 %)\n  worker 1: 0 (-100.0 %)\nitems per worker [1000, 0].");
      assertThatThrownBy(() -> assertThat(run).step("work").stayedOnWorker(1))
          .hasMessageEndingWith("on worker 1, but they were on another: items per worker [1000, 0]");
      assertThatThrownBy(() -> assertThat(run).step("work").hasItemsInTotal(1))
          .hasMessageEndingWith("processed 1000: items per worker [1000, 0]");
    } else {
      String perWorker = "items per worker [1000, 0, 0, 0] (process 0: workers 0..1, process 1: workers 2..3)";
      assertThatThrownBy(() -> assertThat(run).step("work").isSpreadOverAllWorkers())
          .hasMessageContaining("to be spread over all 4 workers, but workers [1 (process 0), 2 (process 1),"
              + " 3 (process 1)] got none: " + perWorker + ". Items stay");
      assertThatThrownBy(() -> assertThat(run).step("work").isSpreadEvenlyWithin(withinPercentage(20)))
          .hasMessageContaining("but:\n  worker 0 (process 0): 1000 (+300.0 %)\n  worker 1 (process 0): 0 (-100.0 %)\n"
              + "  worker 2 (process 1): 0 (-100.0 %)\n  worker 3 (process 1): 0 (-100.0 %)\n" + perWorker + ".");
      assertThatThrownBy(() -> assertThat(run).step("work").stayedOnWorker(2))
          .hasMessageEndingWith("on worker 2 (process 1), but they were on another: " + perWorker);
      assertThatThrownBy(() -> assertThat(run).step("work").hasItemsInTotal(1))
          .hasMessageEndingWith("processed 1000: " + perWorker);
    }
  }

  @DataflowTest(workers = 2, processes = {1, 2})
  void aHotKeyNamesTheBusiestWorkersProcess(DataflowRunner runner) {
    List<String> words = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      words.add(i % 10 == 0 ? WORDS.get(i / 10 % WORDS.size()) : "hot");
    }
    Dataflow flow = new Dataflow("hot");
    flow.input("in", TestSource.dealt(2, words).withBatchSize(1))
        .keyOn("key", w -> w).statefulMap("seen", (state, w) -> w).keyRm("unkey")
        .output("out", new TestSink<>());
    TestRun run = runner.run(flow);
    int hot = Routing.workerFor("hot", runner.totalWorkers());
    assertThatThrownBy(() -> assertThat(run).step("seen").hasSkewAtMost(1.01))
        .hasMessageContaining(": " + named(runner, hot) + " processed ")
        .hasMessageContaining("; keys on " + named(runner, hot) + " (");
  }

  @DataflowTest(workers = 2, processes = {1, 2})
  void aBlockingStepNamesTheWorkersProcess(DataflowRunner runner) {
    Dataflow flow = new Dataflow("sleepy");
    flow.input("in", TestSource.of(1, 2, 3).withBatchSize(1)).map("slow", i -> {
      if (i == 2) {
        StepAssertTest.sleep(Duration.ofMillis(600)); // the user code under test blocks: what the assertion is for
      }
      return i;
    }).output("out", new TestSink<>());
    TestRun run = runner.run(flow);
    // the one partition is read, and so mapped, on worker 0
    assertThatThrownBy(() -> assertThat(run).hasNoStepBlockingLongerThan(Duration.ofMillis(500)))
        .hasMessageContaining("but:\n  step 'slow' held " + named(runner, 0) + " for ");
    assertThatThrownBy(() -> assertThat(run).step("slow").hasNoActivationLongerThan(Duration.ofMillis(500)))
        .hasMessageContaining("\n  step 'slow' held " + named(runner, 0) + " for ");
  }

  // ------------------------------------------------------------------ emit check, crashes, recovery

  @DataflowTest(workers = 2, processes = {1, 2})
  void anItemChangedAfterEmitNamesTheEmittingWorkersProcess(DataflowRunner runner) {
    TestSink<KV<String, List<String>>> out = new TestSink<>();
    int w = Routing.workerFor("a", runner.totalWorkers());
    assertThatThrownBy(() -> runner.run(ChangedAfterEmitTest.sharingFlow(out)))
        .hasMessageContaining("step 'append' (" + named(runner, w) + ") emitted KV[key=a, value=[a1]]");
  }

  /** keyOn(first letter) -> statefulMap("count") -> out: keys a..e. */
  static Dataflow counting(String name) {
    List<String> items = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      items.add("abcde".charAt(i % 5) + String.valueOf(i));
    }
    Dataflow flow = new Dataflow(name);
    flow.input("in", TestSource.dealt(2, items).withBatchSize(1))
        .keyOn("key", s -> s.substring(0, 1))
        .<Long, Long>statefulMap("count", (state, v) -> {
          long n = state.get() == null ? 1 : state.get() + 1;
          state.set(n);
          return n;
        })
        .output("out", new TestSink<>());
    return flow;
  }

  @DataflowTest(workers = 2, processes = {1, 2})
  void anInjectedCrashAndAnUnreachedCrashPointNameTheWorkersProcess(DataflowRunner runner) {
    int w = Routing.workerFor("c", runner.totalWorkers());
    CrashedRun crashed = runner.runUntilCrash(counting("crashing"), Crash.whenStepSeesItemNumber("count", 3).onWorker(w));
    assertThat(crashed.failure()).hasMessageContaining("injected crash: step 'count' on " + named(runner, w)
        + " was about to process its item number 3");
    CrashedRun atEpoch = RecoveryScenarioTest.everyBatchAnEpoch(runner).runUntilCrash(counting("closing"),
        Crash.atCloseOfEpoch(2).onWorker(w));
    assertThat(atEpoch.failure()).hasMessageContaining("injected crash: " + named(runner, w) + " closed epoch 2");
    int last = runner.totalWorkers() - 1;
    assertThatThrownBy(() -> runner.runUntilCrash(counting("never"), Crash.whenStepSees("count", "zzz").onWorker(last)))
        .isInstanceOf(AssertionError.class)
        .hasMessage("expected dataflow 'never' to crash (crash when step 'count' sees \"zzz\" on " + named(runner, last)
            + ") on " + (runner.processes() == 1 ? "" : "2 processes \u00d7 ") + "2 workers, but it finished");
  }

  @DataflowTest(workers = 2, processes = {1, 2})
  void lostItemsOfARecoveryNameTheProcessOfTheirWorker(DataflowRunner runner) {
    TestSink<KV<String, Long>> ref = new TestSink<>();
    TestSink<KV<String, Long>> before = new TestSink<>();
    TestSink<KV<String, Long>> after = new TestSink<>();
    TestRun reference = runner.run(RecoveryScenarioTest.countFlow(RecoveryScenarioTest.source(0), ref));
    CrashedRun crashed = runner.runUntilCrash(RecoveryScenarioTest.countFlow(RecoveryScenarioTest.source(0), before),
        Crash.whenStepSees("count", KV.of("a", "a20")));
    // a resume that lost its store: the counts start over, so later counts are lost
    TestRun resumed = runner.run(RecoveryScenarioTest.countFlow(RecoveryScenarioTest.source(20), after));
    RecoveryRun<KV<String, Long>> rec = RecoveryRun.of(reference.output(ref), crashed.output(before), 0,
        resumed.output(after));
    Throwable e = org.assertj.core.api.Assertions.catchThrowable(() -> assertThat(rec).lostNothing());
    Matcher m = Pattern.compile("\n  KV\\[key=(\\w), value=\\d+\\] \\(epoch \\d+, worker (\\d)( \\(process (\\d)\\))?\\)")
        .matcher(e.getMessage());
    int lines = 0;
    while (m.find()) {
      lines++;
      int w = Routing.workerFor(m.group(1), runner.totalWorkers());
      assertThat(Integer.parseInt(m.group(2))).isEqualTo(w);
      assertThat(m.group(4)).as(e.getMessage()).isEqualTo(runner.processes() == 1 ? null : String.valueOf(w / 2));
    }
    assertThat(lines).as(e.getMessage()).isGreaterThan(0);
  }
}
