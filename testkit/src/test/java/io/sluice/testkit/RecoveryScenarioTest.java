package io.sluice.testkit;

import static io.sluice.testkit.SluiceAssertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.testkit.engine.EventConditions.displayName;
import static org.junit.platform.testkit.engine.EventConditions.event;
import static org.junit.platform.testkit.engine.EventConditions.finishedSuccessfully;
import static org.junit.platform.testkit.engine.EventConditions.finishedWithFailure;
import static org.junit.platform.testkit.engine.EventConditions.skippedWithReason;
import static org.junit.platform.testkit.engine.EventConditions.test;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.instanceOf;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.message;

import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.KV;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.platform.testkit.engine.Events;

/**
 * {@link CrashPoints} and {@link ResumeWith}: a {@link DataflowTest} method runs once per
 * configuration × crash point × resume configuration, each invocation named with all three and
 * given a fresh recovery directory; and a broken resume fails the test with lost (or duplicated)
 * items listed with their epochs. The annotated classes below run through JUnit's engine test kit.
 */
class RecoveryScenarioTest {
  /** What each fixture invocation saw, by display name. */
  static final Map<String, String> SEEN = new ConcurrentHashMap<>();
  /** The recovery directory of each fixture invocation. */
  static final List<Path> DIRECTORIES = java.util.Collections.synchronizedList(new ArrayList<>());

  static final List<String> KEYS = List.of("a", "b", "c", "d", "e");

  /** 40 items over 2 partitions, one item a batch. */
  static TestSource<String> source(int from) {
    List<String> items = new ArrayList<>();
    for (int i = from; i < 40; i++) {
      items.add(KEYS.get(i % KEYS.size()) + i);
    }
    return TestSource.dealt(2, items).withBatchSize(1);
  }

  /** A running count per key: the output carries the state, so a lost or doubled item shows. */
  static Dataflow countFlow(TestSource<String> source, TestSink<KV<String, Long>> out) {
    Dataflow flow = new Dataflow("scenario-count");
    flow.input("in", source)
        .keyOn("key", s -> s.substring(0, 1))
        .<Long, Long>statefulMap("count", (state, v) -> {
          long n = state.get() == null ? 1 : state.get() + 1;
          state.set(n);
          return n;
        })
        .output("out", out);
    return flow;
  }

  /** Every batch its own epoch, so a crash leaves complete epochs behind it. */
  static DataflowRunner everyBatchAnEpoch(DataflowRunner runner) {
    return runner.withConfig(c -> c.withEpochInterval(Duration.ZERO));
  }

  static Events run(Class<?> fixture) {
    SEEN.clear();
    DIRECTORIES.clear();
    return Fixtures.engine().selectors(selectClass(fixture)).execute().testEvents();
  }

  @Fixture
  static class Matrix {
    static Stream<Crash> crashes() {
      return Stream.of(Crash.whenStepSees("count", KV.of("c", "c22")), Crash.atCloseOfEpoch(5).onWorker(1));
    }

    @DataflowTest(workers = {1, 2})
    @CrashPoints("crashes")
    @ResumeWith(workers = {1, 3})
    void resumesAfterEveryCrashPoint(DataflowRunner runner, RecoveryScenario scenario) throws Exception {
      DIRECTORIES.add(scenario.directory());
      boolean freshDirectory;
      try (var entries = Files.list(scenario.directory())) {
        freshDirectory = entries.findAny().isEmpty();
      }
      DataflowRunner r = everyBatchAnEpoch(runner);
      TestSink<KV<String, Long>> ref = new TestSink<>();
      TestRun reference = r.run(countFlow(source(0), ref));
      TestSink<KV<String, Long>> before = new TestSink<>();
      CrashedRun crashed = scenario.runUntilCrash(r, countFlow(source(0), before));
      TestSink<KV<String, Long>> after = new TestSink<>();
      TestRun resumed = scenario.resume(r, countFlow(source(0), after));
      assertThat(scenario.compare(reference.output(ref), crashed.output(before), resumed.output(after)))
          .lostNothing().duplicatedOnlyAfterTheSnapshot().endsInTheSameStateAsTheUninterruptedRun();
      SEEN.put(scenario.toString(), "crashed at " + runner.workers() + ", resumed at " + resumed.workers()
          + (freshDirectory ? ", fresh directory" : ", used directory") + ", from epoch " + scenario.resumeEpoch()
          + ", read again " + resumed.step("in").totalOut());
    }
  }

  @Test
  void runsOncePerConfigurationCrashPointAndResumeConfigurationEachNamedWithAllOfIt() {
    Events events = run(Matrix.class);
    String c22 = "crash when step 'count' sees KV[key=c, value=c22]";
    String epoch5 = "crash at the close of epoch 5 on worker 1";
    events.assertStatistics(s -> s.started(6).succeeded(6).skipped(2));
    events.assertThatEvents()
        .haveExactly(1, event(test(), displayName("[1 worker, " + c22 + ", resume at 1 worker]"), finishedSuccessfully()))
        .haveExactly(1, event(test(), displayName("[1 worker, " + c22 + ", resume at 3 workers]"), finishedSuccessfully()))
        .haveExactly(1, event(test(), displayName("[2 workers, " + c22 + ", resume at 1 worker]"), finishedSuccessfully()))
        .haveExactly(1, event(test(), displayName("[2 workers, " + c22 + ", resume at 3 workers]"), finishedSuccessfully()))
        .haveExactly(1, event(test(), displayName("[2 workers, " + epoch5 + ", resume at 1 worker]"), finishedSuccessfully()))
        .haveExactly(1, event(test(), displayName("[2 workers, " + epoch5 + ", resume at 3 workers]"), finishedSuccessfully()))
        .haveExactly(2, event(test(), skippedWithReason(r -> r.contains("the crash point is on worker 1")
            && r.contains("a run of 1 worker has workers 0..0 only"))));
    assertThat(SEEN).hasSize(6);
    assertThat(SEEN.get("2 workers, " + epoch5 + ", resume at 3 workers")).startsWith("crashed at 2, resumed at 3");
    assertThat(SEEN.get("1 worker, " + c22 + ", resume at 3 workers")).startsWith("crashed at 1, resumed at 3");
    assertThat(SEEN.values()).allSatisfy(v -> assertThat(v).contains("fresh directory"));
    // every invocation resumed from a snapshot and read less than the whole input again
    assertThat(SEEN.values()).noneMatch(v -> v.contains("from epoch 0,") || v.endsWith("read again 40"));
    assertThat(DIRECTORIES).hasSize(6).doesNotHaveDuplicates().allSatisfy(d -> assertThat(d).doesNotExist());
  }

  @Fixture
  static class AcrossProcesses {
    static List<Crash> crash() {
      // at 2 processes × 2 workers keys b..e are on worker 3
      return List.of(Crash.whenStepSeesItemNumber("count", 7).onWorker(3));
    }

    @DataflowTest(workers = 2, processes = 2)
    @CrashPoints("crash")
    @ResumeWith(workers = 3, processes = {1, 2})
    void resumesAtAnotherProcessCount(DataflowRunner runner, RecoveryScenario scenario) {
      DataflowRunner r = everyBatchAnEpoch(runner);
      TestSink<KV<String, Long>> ref = new TestSink<>();
      TestRun reference = r.run(countFlow(source(0), ref));
      TestSink<KV<String, Long>> before = new TestSink<>();
      CrashedRun crashed = scenario.runUntilCrash(r, countFlow(source(0), before));
      TestSink<KV<String, Long>> after = new TestSink<>();
      TestRun resumed = scenario.resume(r, countFlow(source(0), after));
      assertThat(scenario.compare(reference.output(ref), crashed.output(before), resumed.output(after)))
          .lostNothing().duplicatedOnlyAfterTheSnapshot().endsInTheSameStateAsTheUninterruptedRun();
      assertThat(resumed).step("count").hasEachKeyOnTheWorkerRoutingPredicts();
      SEEN.put(scenario.toString(), resumed.output(after).processes() + " × " + resumed.workers());
    }
  }

  @Test
  void namesTheProcessCountsOfCrashAndResume() {
    Events events = run(AcrossProcesses.class);
    // worker indexes are global; at 2 processes × 2 workers worker 3 is in process 1
    String crash = "crash when step 'count' sees its item number 7 on worker 3 (process 1)";
    events.assertStatistics(s -> s.started(2).succeeded(2));
    events.assertThatEvents()
        .haveExactly(1, event(test(), displayName("[2 processes \u00d7 2 workers, " + crash
            + ", resume at 1 process \u00d7 3 workers]"), finishedSuccessfully()))
        .haveExactly(1, event(test(), displayName("[2 processes \u00d7 2 workers, " + crash
            + ", resume at 2 processes \u00d7 3 workers]"), finishedSuccessfully()));
    assertThat(SEEN.values()).containsExactlyInAnyOrder("1 × 3", "2 × 3");
  }

  /**
   * Recovery broken on purpose: the resume finds an empty store (as if it were pointed at the wrong
   * directory) while its input goes on after what the crashed run read (as a consumer group's
   * committed offsets would). The counts start over, so items are lost: the test must fail, naming them.
   */
  @Fixture
  static class ResumeFromAnEmptyStore {
    static Stream<Crash> crash() {
      return Stream.of(Crash.whenStepSees("count", KV.of("a", "a20")));
    }

    @DataflowTest(workers = 2)
    @CrashPoints("crash")
    void losesItems(DataflowRunner runner, RecoveryScenario scenario) throws Exception {
      DataflowRunner r = everyBatchAnEpoch(runner);
      TestSink<KV<String, Long>> ref = new TestSink<>();
      TestRun reference = r.run(countFlow(source(0), ref));
      TestSink<KV<String, Long>> before = new TestSink<>();
      CrashedRun crashed = scenario.runUntilCrash(r, countFlow(source(0), before));
      Path empty = Files.createDirectory(scenario.directory().resolve("elsewhere"));
      TestSink<KV<String, Long>> after = new TestSink<>();
      TestRun resumed = r.withRecovery(empty).run(countFlow(source(20), after));
      assertThat(scenario.compare(reference.output(ref), crashed.output(before), resumed.output(after))).lostNothing();
    }

    @DataflowTest(workers = 2)
    @CrashPoints("crash")
    void writesAgainWhatTheSnapshotCovered(DataflowRunner runner, RecoveryScenario scenario) throws Exception {
      DataflowRunner r = everyBatchAnEpoch(runner);
      TestSink<KV<String, Long>> ref = new TestSink<>();
      TestRun reference = r.run(countFlow(source(0), ref));
      TestSink<KV<String, Long>> before = new TestSink<>();
      CrashedRun crashed = scenario.runUntilCrash(r, countFlow(source(0), before));
      Path empty = Files.createDirectory(scenario.directory().resolve("elsewhere"));
      TestSink<KV<String, Long>> after = new TestSink<>();
      TestRun resumed = r.withRecovery(empty).run(countFlow(source(0), after));
      assertThat(scenario.compare(reference.output(ref), crashed.output(before), resumed.output(after)))
          .lostNothing().duplicatedOnlyAfterTheSnapshot();
    }
  }

  @Test
  void aResumeThatLostItsStoreFailsTheTestListingLostAndDuplicatedItemsWithTheirEpochs() {
    Events events = run(ResumeFromAnEmptyStore.class);
    String name = "[2 workers, crash when step 'count' sees KV[key=a, value=a20], resume at 2 workers]";
    events.assertStatistics(s -> s.started(2).failed(2));
    events.assertThatEvents()
        .haveExactly(1, event(test("losesItems"), displayName(name), finishedWithFailure(instanceOf(AssertionError.class),
            message(m -> m.startsWith(name + " ") && m.contains("output of step 'out': lost ")
                // a's count restarts at 1 after a20: its counts 5..8 (a20, a25, a30, a35) never come again
                && m.contains("KV[key=a, value=8] (epoch ") && m.matches("(?s).*\\(epoch \\d+, worker \\d\\).*")))))
        .haveExactly(1, event(test("writesAgainWhatTheSnapshotCovered"), displayName(name),
            finishedWithFailure(instanceOf(AssertionError.class), message(m -> m.startsWith(name + " ")
                && m.contains("were written again although the snapshot of epoch")
                && m.contains("KV[key=a, value=1] (epoch 1, worker ")))));
  }

  @Test
  void aLostItemIsListedBesideWhatWasWrittenInsteadEachWithItsEpoch() {
    SinkOutput<KV<String, List<String>>> reference = new SinkOutput<>("output of step 'out'", 1, 1, List.of(
        new Captured<>(KV.of("a", List.of("a1", "a2")), 0, 0, "out", 3, 0),
        new Captured<>(KV.of("a", List.of("a3")), 0, 0, "out", 5, 1)));
    SinkOutput<KV<String, List<String>>> crashed = new SinkOutput<>("output of step 'out'", 1, 1, List.of());
    SinkOutput<KV<String, List<String>>> resumed = new SinkOutput<>("output of step 'out'", 1, 2, List.of(
        new Captured<>(KV.of("a", List.of("a1", "a2", "a3")), 0, 1, "out", 6, 0)));
    RecoveryRun<KV<String, List<String>>> rec = RecoveryRun.of(reference, crashed, 2, resumed);
    assertThat(rec.lost()).hasSize(2);
    assertThat(rec.unexpected()).extracting(Captured::epoch).containsExactly(6L);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> assertThat(rec).lostNothing())
        .hasMessage("output of step 'out': lost 2 items (each with its epoch in the uninterrupted run):%n"
            + "  KV[key=a, value=[a1, a2]] (epoch 3, worker 0)%n"
            + "  KV[key=a, value=[a3]] (epoch 5, worker 0)%n"
            + "written instead, never by the uninterrupted run (1, each with its epoch where written):%n"
            + "  KV[key=a, value=[a1, a2, a3]] (epoch 6, worker 1)%n"
            + "resumed from epoch 2", new Object[0]);
  }

  @Fixture
  static class ResumeWithoutCrashPoints {
    @DataflowTest(workers = 1)
    @ResumeWith(workers = 2)
    void never(DataflowRunner runner) {}
  }

  @Fixture
  static class MissingCrashPointMethod {
    @DataflowTest(workers = 1)
    @CrashPoints("nowhere")
    void never(DataflowRunner runner, RecoveryScenario scenario) {}
  }

  @Fixture
  static class NotCrashes {
    static List<String> strings() {
      return List.of("count");
    }

    @DataflowTest(workers = 1)
    @CrashPoints("strings")
    void never(DataflowRunner runner, RecoveryScenario scenario) {}
  }

  @Fixture
  static class ScenarioWithoutCrashPoints {
    @DataflowTest(workers = 1)
    void never(DataflowRunner runner, RecoveryScenario scenario) {}
  }

  @Test
  void aScenarioParameterWithoutCrashPointsSaysWhatIsMissing() {
    run(ScenarioWithoutCrashPoints.class).assertThatEvents().haveExactly(1, event(test(), displayName("[1 worker]"),
        finishedWithFailure(message(m -> m.contains("a RecoveryScenario parameter needs @CrashPoints")))));
  }

  @Test
  void rejectsAResumeWithoutCrashPointsAndCrashPointsThatAreNot() {
    assertConfigurationError(ResumeWithoutCrashPoints.class, "@ResumeWith on ResumeWithoutCrashPoints.never needs @CrashPoints");
    assertConfigurationError(MissingCrashPointMethod.class, "no static, no-argument method 'nowhere'");
    assertConfigurationError(NotCrashes.class, "method 'strings' gave \"count\", not a Crash");
  }

  private static void assertConfigurationError(Class<?> fixture, String text) {
    Fixtures.engine().selectors(selectClass(fixture)).execute().containerEvents()
        .assertThatEvents().haveExactly(1, event(finishedWithFailure(instanceOf(ExtensionConfigurationException.class),
            message(m -> m.contains(text)))));
  }
}
