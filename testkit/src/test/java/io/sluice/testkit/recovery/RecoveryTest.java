package io.sluice.testkit.recovery;

import static io.sluice.testkit.SluiceAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.KV;
import io.sluice.recovery.RecoveryStore;
import io.sluice.recovery.internal.RecoveryFiles;
import io.sluice.testkit.Crash;
import io.sluice.testkit.CrashPoints;
import io.sluice.testkit.CrashedRun;
import io.sluice.testkit.DataflowRunner;
import io.sluice.testkit.DataflowTest;
import io.sluice.testkit.RecoveryRun;
import io.sluice.testkit.RecoveryScenario;
import io.sluice.testkit.ResumeWith;
import io.sluice.testkit.Script;
import io.sluice.testkit.SinkOutput;
import io.sluice.testkit.TestRun;
import io.sluice.testkit.TestSink;
import io.sluice.testkit.TestSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recovery end to end on the real engine and real SQLite files: crash at a logical point, resume
 * (at the same or another worker or process count), and compare with an uninterrupted run.
 */
class RecoveryTest {
  static final List<String> KEYS = List.of("a", "b", "c", "d", "e", "f", "g");

  /** 60 items over 3 partitions, one item a batch, every batch its own epoch. */
  static TestSource<String> source() {
    List<String> items = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      items.add(KEYS.get(i % KEYS.size()) + i);
    }
    return TestSource.dealt(3, items).withBatchSize(1);
  }

  /** A running count per key: the output carries the state, so a lost or doubled item shows. */
  static Dataflow countFlow(String name, TestSource<String> source, TestSink<KV<String, Long>> out) {
    Dataflow flow = new Dataflow(name);
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

  static DataflowRunner everyBatchAnEpoch(DataflowRunner runner) {
    return runner.withConfig(c -> c.withEpochInterval(Duration.ZERO));
  }

  @DataflowTest(workers = {1, 2, 4}, processes = {1, 2})
  void aCrashedRunResumesWithNothingLostAndTheSameFinalCounts(DataflowRunner runner, @TempDir Path dir) {
    DataflowRunner r = everyBatchAnEpoch(runner);
    TestSink<KV<String, Long>> ref = new TestSink<>();
    TestRun reference = r.run(countFlow("counts", source(), ref));

    TestSink<KV<String, Long>> before = new TestSink<>();
    CrashedRun crashed = r.withRecovery(dir).runUntilCrash(countFlow("counts", source(), before),
        Crash.whenStepSees("count", KV.of("c", "c37")));
    long resumeEpoch = RecoveryStore.inspect(dir).newestCompleteEpoch();

    TestSink<KV<String, Long>> after = new TestSink<>();
    TestRun resumed = r.withRecovery(dir).run(countFlow("counts", source(), after));

    RecoveryRun<KV<String, Long>> rec = RecoveryRun.of(reference.output(ref), crashed.output(before), resumeEpoch,
        resumed.output(after));
    assertThat(rec).lostNothing().duplicatedOnlyAfterTheSnapshot().endsInTheSameStateAsTheUninterruptedRun();
    // the resumed run did not read everything again: the snapshot covered part of the input
    assertThat(resumeEpoch).isPositive();
    assertThat(resumed.step("in").totalOut()).isLessThan(60);
    assertThat(resumed).step("count").hasEachKeyOnTheWorkerRoutingPredicts();
  }

  /**
   * A real exception in user code, not an injected crash: a step throws on one item; once the step
   * is fixed, the run resumes from the snapshot, and both runs' output together holds every running
   * count of an uninterrupted run, ending at the same counts.
   */
  @DataflowTest(workers = {1, 2, 4}, processes = {1, 2})
  void aRunThatFailedInUserCodeResumesOnceTheStepIsFixed(DataflowRunner runner, @TempDir Path dir) {
    DataflowRunner r = everyBatchAnEpoch(runner);
    TestSink<KV<String, Long>> ref = new TestSink<>();
    List<KV<String, Long>> reference = r.run(countFlow("fails", source(), ref)).output(ref).items();

    java.util.concurrent.atomic.AtomicBoolean broken = new java.util.concurrent.atomic.AtomicBoolean(true);
    TestSink<KV<String, Long>> before = new TestSink<>();
    Dataflow failing = new Dataflow("fails");
    failing.input("in", source())
        .map("parse", s -> {
          if (broken.get() && s.equals("c37")) {
            throw new IllegalArgumentException("cannot parse " + s);
          }
          return s;
        })
        .keyOn("key", s -> s.substring(0, 1))
        .<Long, Long>statefulMap("count", (state, v) -> {
          long n = state.get() == null ? 1 : state.get() + 1;
          state.set(n);
          return n;
        })
        .output("out", before);
    assertThat(r.withRecovery(dir).runExpectingFailure(failing).stepId()).isEqualTo("parse");
    // (how many epochs completed before c37 depends on how far the other workers got: possibly none)
    long resumeEpoch = RecoveryStore.inspect(dir).newestCompleteEpoch();
    assertThat(resumeEpoch).isNotNegative();
    List<KV<String, Long>> written = new ArrayList<>(before.items());

    broken.set(false); // the fix; the same flow runs again (its sink starts empty)
    TestRun resumed = r.withRecovery(dir).run(failing);
    written.addAll(resumed.output(before).items());
    // each running count occurs once in the uninterrupted run: containing them all means nothing was lost
    assertThat(written).containsAll(reference);
    assertThat(highestCountPerKey(written)).isEqualTo(highestCountPerKey(reference));
    if (resumeEpoch > 0) {
      assertThat(resumed.step("in").totalOut()).as("read again").isLessThan(60);
    }
  }

  private static Map<String, Long> highestCountPerKey(List<KV<String, Long>> counts) {
    Map<String, Long> highest = new java.util.TreeMap<>();
    counts.forEach(kv -> highest.merge(kv.key(), kv.value(), Math::max));
    return highest;
  }

  /**
   * A timer pending in the snapshot must fire where it fires in an uninterrupted run. Items a1..a20
   * come one a virtual second apart; a collect with a 10 s timeout since a list's first value emits [a1..a10] when a1's timeout
   * passes (before a11) and [a11..a20] at the end. The crash at a8 leaves a snapshot with a1..a5 or
   * so pending and their deadline 10 s after the origin.
   *
   * <p>It needs the store to keep each epoch's time (a resumed run's virtual time goes on from
   * it), the run's clock bound while logics are rebuilt, and collect's deadline in its snapshot.
   */
  @DataflowTest(workers = {1, 2})
  @CrashPoints("a8")
  void aTimerPendingInTheSnapshotFiresWhereItWouldHaveOnVirtualTime(DataflowRunner runner, RecoveryScenario scenario) {
    TestSink<KV<String, List<String>>> ref = new TestSink<>();
    TestRun reference = runner.run(collectFlow(ref));
    TestSink<KV<String, List<String>>> before = new TestSink<>();
    CrashedRun crashed = scenario.runUntilCrash(runner, collectFlow(before));
    assertThat(scenario.resumeEpoch()).as("a complete epoch before a1's timeout").isBetween(1L, 9L);
    TestSink<KV<String, List<String>>> after = new TestSink<>();
    TestRun resumed = scenario.resume(runner, collectFlow(after));
    assertThat(reference.output(ref)).containsExactly(KV.of("a", Stream.iterate(1, i -> i + 1).limit(10)
        .map(i -> "a" + i).toList()), KV.of("a", Stream.iterate(11, i -> i + 1).limit(10).map(i -> "a" + i).toList()));
    assertThat(scenario.compare(reference.output(ref), crashed.output(before), resumed.output(after)))
        .lostNothing().duplicatedOnlyAfterTheSnapshot().endsInTheSameStateAsTheUninterruptedRun();
  }

  static Stream<Crash> a8() {
    return Stream.of(Crash.whenStepSees("collect", KV.of("a", "a8")));
  }

  static Dataflow collectFlow(TestSink<KV<String, List<String>>> out) {
    Script<String> script = Script.of("a1");
    for (int i = 2; i <= 20; i++) {
      script = script.advance(Duration.ofSeconds(1)).then("a" + i);
    }
    Dataflow flow = new Dataflow("pending-timer");
    flow.input("in", TestSource.of(script).withBatchSize(1))
        .keyOn("key", s -> s.substring(0, 1))
        .collect("collect", 100, Duration.ofSeconds(10), io.sluice.dataflow.CollectTimeout.SINCE_FIRST_VALUE)
        .output("out", out);
    return flow;
  }

  static Stream<Crash> crashPoints() {
    return Stream.of(Crash.whenStepSees("count", KV.of("c", "c37")), Crash.whenStepSeesItemNumber("count", 20),
        Crash.atCloseOfEpoch(7));
  }

  /** Every crash point, resumed in one process and in two, from one and from two processes (rescale included). */
  @DataflowTest(workers = {1, 2}, processes = {1, 2})
  @CrashPoints("crashPoints")
  @ResumeWith(workers = 3, processes = {1, 2})
  void everyCrashPointResumesAtEveryConfigurationWithNothingLost(DataflowRunner runner, RecoveryScenario scenario) {
    DataflowRunner r = everyBatchAnEpoch(runner);
    TestSink<KV<String, Long>> ref = new TestSink<>();
    TestRun reference = r.run(countFlow("matrix", source(), ref));
    TestSink<KV<String, Long>> before = new TestSink<>();
    CrashedRun crashed = scenario.runUntilCrash(r, countFlow("matrix", source(), before));
    TestSink<KV<String, Long>> after = new TestSink<>();
    TestRun resumed = scenario.resume(r, countFlow("matrix", source(), after));
    assertThat(scenario.compare(reference.output(ref), crashed.output(before), resumed.output(after)))
        .lostNothing().duplicatedOnlyAfterTheSnapshot().endsInTheSameStateAsTheUninterruptedRun();
    assertThat(resumed).step("count").hasEachKeyOnTheWorkerRoutingPredicts();
  }

  /** Counts per letter, redistributed, then summed per parity of the count; the counts also go to a file. */
  static Dataflow chainedFlow(TestSink<KV<String, Long>> out, Path file) {
    Dataflow flow = new Dataflow("chained");
    var counts = flow.input("in", source())
        .keyOn("key", s -> s.substring(0, 1))
        .<Long, Long>statefulMap("count", (state, v) -> {
          long n = state.get() == null ? 1 : state.get() + 1;
          state.set(n);
          return n;
        });
    counts.map("format", kv -> kv.key() + "=" + kv.value()).output("file", new io.sluice.connectors.FileSink<>(file));
    counts.redistribute("spread")
        .keyRm("unkey")
        .keyOn("parity", n -> n % 2 == 0 ? "even" : "odd")
        .<Long, Long>statefulMap("sum", (state, n) -> {
          long sum = (state.get() == null ? 0 : state.get()) + n;
          state.set(sum);
          return sum;
        })
        .output("out", out);
    return flow;
  }

  static Stream<Crash> chainedCrashPoints() {
    return Stream.of(Crash.whenStepSeesItemNumber("sum", 25), Crash.atCloseOfEpoch(6));
  }

  /**
   * Two stateful steps with an exchange between them, and a {@link io.sluice.connectors.FileSink}
   * (a fixed-partitioned sink whose resume state is the file's length): after a crash and a resume
   * at another count, the second step ends in the same state, and the file holds exactly the lines
   * of an uninterrupted run (what was written after the snapshot was truncated, then written again).
   */
  @DataflowTest(workers = {1, 3}, processes = {1, 2})
  @CrashPoints("chainedCrashPoints")
  @ResumeWith(workers = 2, processes = 1)
  void chainedStatefulStepsAndAFileSinkResumeExactly(DataflowRunner runner, RecoveryScenario scenario,
      @TempDir Path files) throws Exception {
    DataflowRunner r = everyBatchAnEpoch(runner);
    TestSink<KV<String, Long>> ref = new TestSink<>();
    TestRun reference = r.run(chainedFlow(ref, files.resolve("reference.txt")));
    TestSink<KV<String, Long>> before = new TestSink<>();
    CrashedRun crashed = scenario.runUntilCrash(r, chainedFlow(before, files.resolve("counts.txt")));
    TestSink<KV<String, Long>> after = new TestSink<>();
    TestRun resumed = scenario.resume(r, chainedFlow(after, files.resolve("counts.txt")));
    // the running sums depend on the order counts arrive at 'sum' in: compare the final sums
    assertThat(scenario.compare(reference.output(ref), crashed.output(before), resumed.output(after)))
        .endsInTheSameStateAsTheUninterruptedRun();
    assertThat(Files.readAllLines(files.resolve("counts.txt")))
        .containsExactlyInAnyOrderElementsOf(Files.readAllLines(files.resolve("reference.txt")));
    assertThat(resumed.step("in").totalOut()).as("read again").isLessThan(60);
  }

  @Test
  void rescalesFrom3To5To1WorkersWithTheSameFinalCounts(@TempDir Path dir) {
    DataflowRunner r = everyBatchAnEpoch(DataflowRunner.withWorkers(3));
    TestSink<KV<String, Long>> ref = new TestSink<>();
    SinkOutput<KV<String, Long>> reference = r.run(countFlow("rescale", source(), ref)).output(ref);

    TestSink<KV<String, Long>> first = new TestSink<>();
    CrashedRun at3 = r.withRecovery(dir).runUntilCrash(countFlow("rescale", source(), first),
        Crash.whenStepSeesItemNumber("count", 20));
    TestSink<KV<String, Long>> second = new TestSink<>();
    CrashedRun at5 = r.atWorkers(5).withRecovery(dir).runUntilCrash(countFlow("rescale", source(), second),
        Crash.whenStepSeesItemNumber("count", 15));
    long resumeEpoch = RecoveryStore.inspect(dir).newestCompleteEpoch();
    TestSink<KV<String, Long>> last = new TestSink<>();
    TestRun at1 = r.atWorkers(1).withRecovery(dir).run(countFlow("rescale", source(), last));

    RecoveryRun<KV<String, Long>> rec = RecoveryRun.of(reference, List.of(at3.output(first), at5.output(second)),
        resumeEpoch, at1.output(last));
    assertThat(rec).lostNothing().endsInTheSameStateAsTheUninterruptedRun();
  }

  @Test
  void twoProcessesResumeAsOne(@TempDir Path dir) {
    DataflowRunner two = everyBatchAnEpoch(DataflowRunner.withWorkers(2).withProcesses(2));
    TestSink<KV<String, Long>> ref = new TestSink<>();
    SinkOutput<KV<String, Long>> reference = two.run(countFlow("p2to1", source(), ref)).output(ref);
    TestSink<KV<String, Long>> before = new TestSink<>();
    CrashedRun crashed = two.withRecovery(dir).runUntilCrash(countFlow("p2to1", source(), before),
        Crash.whenStepSees("count", KV.of("a", "a42")));
    long resumeEpoch = RecoveryStore.inspect(dir).newestCompleteEpoch();
    TestSink<KV<String, Long>> after = new TestSink<>();
    TestRun one = everyBatchAnEpoch(DataflowRunner.withWorkers(3)).withRecovery(dir)
        .run(countFlow("p2to1", source(), after));
    assertThat(RecoveryRun.of(reference, crashed.output(before), resumeEpoch, one.output(after)))
        .lostNothing().duplicatedOnlyAfterTheSnapshot().endsInTheSameStateAsTheUninterruptedRun();
  }

  @DataflowTest(workers = {1, 3})
  void aCrashAtAnEpochsCloseLosesNothing(DataflowRunner runner, @TempDir Path dir) {
    DataflowRunner r = everyBatchAnEpoch(runner);
    TestSink<KV<String, Long>> ref = new TestSink<>();
    SinkOutput<KV<String, Long>> reference = r.run(countFlow("epochcrash", source(), ref)).output(ref);
    TestSink<KV<String, Long>> before = new TestSink<>();
    CrashedRun crashed = r.withRecovery(dir).runUntilCrash(countFlow("epochcrash", source(), before),
        Crash.atCloseOfEpoch(7).onWorker(0));
    long resumeEpoch = RecoveryStore.inspect(dir).newestCompleteEpoch();
    TestSink<KV<String, Long>> after = new TestSink<>();
    TestRun resumed = r.withRecovery(dir).run(countFlow("epochcrash", source(), after));
    assertThat(RecoveryRun.of(reference, crashed.output(before), resumeEpoch, resumed.output(after)))
        .lostNothing().duplicatedOnlyAfterTheSnapshot().endsInTheSameStateAsTheUninterruptedRun();
  }

  /** Bytewax's continuation: a flow that ended at end of stream and runs again goes on with the input after it. */
  @DataflowTest(workers = {1, 2})
  void aRunAfterTheEndOfStreamContinuesWithTheNewInput(DataflowRunner runner, @TempDir Path dir) {
    TestSource<String> src = TestSource.of(Script.of("a1", "b2", "a3").endOfStream().then("a4", "b5").endOfStream()
        .then("b6"));
    DataflowRunner r = runner.withRecovery(dir);
    TestSink<KV<String, Long>> out1 = new TestSink<>();
    assertThat(r.run(countFlow("continue", src, out1)).output(out1)).containsExactlyInAnyOrder(
        KV.of("a", 1L), KV.of("b", 1L), KV.of("a", 2L));
    TestSink<KV<String, Long>> out2 = new TestSink<>();
    assertThat(r.run(countFlow("continue", src, out2)).output(out2)).containsExactlyInAnyOrder(
        KV.of("a", 3L), KV.of("b", 2L));
    TestSink<KV<String, Long>> out3 = new TestSink<>();
    assertThat(r.run(countFlow("continue", src, out3)).output(out3)).containsExactly(KV.of("b", 3L));
  }

  /** Workers that read nothing and exchange nothing end at once; their epochs still count as complete. */
  @DataflowTest(workers = {1, 3})
  void aFlowWithoutExchangeOnMoreWorkersThanPartitionsResumesWhereItStopped(DataflowRunner runner, @TempDir Path dir) {
    TestSource<String> src = TestSource.of(Script.of("a", "b").endOfStream().then("c"));
    DataflowRunner r = runner.withRecovery(dir);
    TestSink<String> out1 = new TestSink<>();
    Dataflow first = new Dataflow("stateless");
    first.input("in", src).map("upper", String::toUpperCase).output("out", out1);
    assertThat(r.run(first).output(out1)).containsExactly("A", "B");
    assertThat(RecoveryStore.inspect(dir).newestCompleteEpoch()).isPositive();
    TestSink<String> out2 = new TestSink<>();
    Dataflow second = new Dataflow("stateless");
    second.input("in", src).map("upper", String::toUpperCase).output("out", out2);
    assertThat(r.run(second).output(out2)).containsExactly("C");
  }

  @Test
  void anAbortFiresOnceAndTheResumedRunGoesOnBehindIt(@TempDir Path dir) {
    TestSource<String> src = TestSource.of(Script.of("a1", "a2").advance(Duration.ofSeconds(1)).then("a3").abort()
        .then("a4")).withBatchSize(1);
    DataflowRunner r = DataflowRunner.withWorkers(2).withRecovery(dir);
    TestSink<KV<String, Long>> out1 = new TestSink<>();
    r.runUntilAbort(countFlow("abort", src, out1));
    TestSink<KV<String, Long>> out2 = new TestSink<>();
    TestRun resumed = r.run(countFlow("abort", src, out2));
    // the epoch closed by the advance holds a1, a2: a3 (after it) is read again, a4 after the skipped abort
    assertThat(resumed.output(out2)).containsExactly(KV.of("a", 3L), KV.of("a", 4L));
  }

  @Test
  void aStoreOfAnotherFlowOrWithARenamedStepIsRefusedNamingIt(@TempDir Path dir) {
    DataflowRunner r = DataflowRunner.withWorkers(1).withRecovery(dir);
    r.run(countFlow("first", TestSource.of("a1", "b2"), new TestSink<>()));
    assertThatThrownBy(() -> r.run(countFlow("second", TestSource.of("a1"), new TestSink<>())))
        .hasMessageContaining("belongs to flow 'first', not 'second'");
    Dataflow renamed = new Dataflow("first");
    renamed.input("in", TestSource.of("a1"))
        .keyOn("key", s -> s.substring(0, 1))
        .<Long, Long>statefulMap("tally", (state, v) -> 1L)
        .output("out", new TestSink<>());
    assertThatThrownBy(() -> r.run(renamed)).hasMessageContaining("step 'count'").hasMessageContaining("no longer has");
  }

  @Test
  void aCorruptOrMissingPartitionIsAClearErrorNeverAFreshStart(@TempDir Path dir) throws Exception {
    DataflowRunner r = DataflowRunner.withWorkers(1).withRecovery(dir);
    r.run(countFlow("corrupt", TestSource.of("a1", "b2"), new TestSink<>()));
    Files.write(dir.resolve("part-1.sqlite3"), "this is not a database, it is a text file".repeat(100).getBytes());
    Files.deleteIfExists(dir.resolve("part-1.sqlite3-wal"));
    Files.deleteIfExists(dir.resolve("part-1.sqlite3-shm"));
    assertThatThrownBy(() -> r.run(countFlow("corrupt", TestSource.of("a1"), new TestSink<>())))
        .hasMessageContaining("part-1.sqlite3").hasMessageContaining("corrupt");
    Files.delete(dir.resolve("part-1.sqlite3"));
    assertThatThrownBy(() -> r.run(countFlow("corrupt", TestSource.of("a1"), new TestSink<>())))
        .hasMessageContaining("part-1.sqlite3 is missing");
  }

  @Test
  void inspectShowsTheEpochsAndTheKeysPerStep(@TempDir Path dir) {
    DataflowRunner.withWorkers(2).withRecovery(dir).run(countFlow("inspect", source(), new TestSink<>()));
    RecoveryStore.Info info = RecoveryStore.inspect(dir);
    assertThat(info.flow()).isEqualTo("inspect");
    assertThat(info.newestCompleteEpoch()).isPositive();
    assertThat(info.keysPerStep()).containsEntry("count", (long) KEYS.size()).containsEntry("in", 3L);
    assertThat(info.describe()).contains("step 'count': 7 keys");
  }

  @Test
  void oldSnapshotsAreDeletedBehindTheNewestCompleteEpoch(@TempDir Path dir) throws Exception {
    DataflowRunner.withWorkers(2).withRecovery(dir).withConfig(c -> c.withEpochInterval(Duration.ZERO))
        .run(countFlow("gc", source(), new TestSink<>()));
    Map<String, Long> rowsPerStep = new LinkedHashMap<>();
    for (int i = 0; i < DataflowRunner.DEFAULT_RECOVERY_PARTITIONS; i++) {
      try (Connection c = RecoveryFiles.connect(dir.resolve("part-" + i + ".sqlite3"));
          Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("SELECT step_id, SUM(entries) FROM snaps GROUP BY step_id")) {
        while (rs.next()) {
          rowsPerStep.merge(rs.getString(1), rs.getLong(2), Long::sum);
        }
      }
    }
    // every key was written in many epochs; with no backup interval only its newest row is kept
    assertThat(rowsPerStep).containsEntry("count", (long) KEYS.size()).containsEntry("in", 3L);
  }

  @Test
  void aMalformedSnapshotChunkOrAnOlderLayoutIsAClearError(@TempDir Path dir) throws Exception {
    DataflowRunner r = DataflowRunner.withWorkers(2).withRecovery(dir);
    r.run(countFlow("chunks", source(), new TestSink<>()));
    Path part = null;
    for (int i = 0; i < DataflowRunner.DEFAULT_RECOVERY_PARTITIONS && part == null; i++) {
      Path p = dir.resolve("part-" + i + ".sqlite3");
      try (Connection c = RecoveryFiles.connect(p); Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM snaps WHERE step_id = 'count'")) {
        part = rs.next() && rs.getLong(1) > 0 ? p : null;
      }
    }
    try (Connection c = RecoveryFiles.connect(part); Statement st = c.createStatement()) {
      // a length that runs past the end of the chunk, as a torn or tampered write would leave
      st.executeUpdate("UPDATE snaps SET chunk = X'007F0102' WHERE step_id = 'count'");
    }
    assertThatThrownBy(() -> r.run(countFlow("chunks", source(), new TestSink<>())))
        .hasMessageContaining(part.getFileName().toString()).hasMessageContaining("is corrupt: snapshot chunk")
        .hasMessageContaining("of step 'count'").hasMessageContaining("runs past the chunk's 4 bytes");
    try (Connection c = RecoveryFiles.connect(part); Statement st = c.createStatement()) {
      st.executeUpdate("DELETE FROM meta WHERE name = 'format'");
    }
    assertThatThrownBy(() -> r.run(countFlow("chunks", source(), new TestSink<>())))
        .hasMessageContaining(part.getFileName().toString()).hasMessageContaining("has layout 1")
        .hasMessageContaining("reads layout 5");
  }

  /** Counts per key; a "!" value discards the key (its next value starts from 1 again). */
  static Dataflow resettingCountFlow(String name, TestSource<String> source, TestSink<KV<String, Long>> out) {
    Dataflow flow = new Dataflow(name);
    flow.input("in", source)
        .keyOn("key", s -> s.substring(0, 1))
        .<Long, Long>statefulMap("count", (state, v) -> {
          if (v.endsWith("!")) {
            state.clear();
            return 0L;
          }
          long n = state.get() == null ? 1 : state.get() + 1;
          state.set(n);
          return n;
        })
        .output("out", out);
    return flow;
  }

  @DataflowTest(workers = {1, 3})
  void aKeyDiscardedAndBuiltAgainInOneEpochResumesWithItsNewState(DataflowRunner runner, @TempDir Path dir) {
    // one epoch holds: a counted to 2, discarded, counted again to 1; b counted to 1 and discarded
    // (one item a batch, so the discard reaches the runtime between them)
    TestSource<String> src = TestSource.of(Script.of("a1", "a2", "a!", "a3", "b1", "b!").endOfStream().then("a4", "b2"))
        .withBatchSize(1);
    DataflowRunner r = runner.withRecovery(dir);
    TestSink<KV<String, Long>> first = new TestSink<>();
    r.run(resettingCountFlow("reset", src, first));
    assertThat(RecoveryStore.inspect(dir).completeEpochs()).as("all in one epoch").hasSize(1);
    TestSink<KV<String, Long>> next = new TestSink<>();
    r.run(resettingCountFlow("reset", src, next));
    assertThat(next.items()).containsExactlyInAnyOrder(KV.of("a", 2L), KV.of("b", 1L));
    assertThat(RecoveryStore.inspect(dir).keysPerStep()).containsEntry("count", 2L);
  }

  @DataflowTest(workers = {1, 2})
  void asciiAndOtherStringKeysResumeAsTheyWere(DataflowRunner runner, @TempDir Path dir) {
    // an ASCII key is stored as its routing bytes alone; any other key through the serde
    TestSource<String> src = TestSource.of(Script.of("a1", "ü1", "日1", "a2").endOfStream().then("a3", "ü2", "日2"));
    DataflowRunner r = runner.withRecovery(dir);
    r.run(countFlow("keys", src, new TestSink<>()));
    TestSink<KV<String, Long>> next = new TestSink<>();
    r.run(countFlow("keys", src, next));
    assertThat(next.items()).containsExactlyInAnyOrder(KV.of("a", 3L), KV.of("ü", 2L), KV.of("日", 2L));
  }
}
