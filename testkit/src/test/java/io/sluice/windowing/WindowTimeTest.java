package io.sluice.windowing;

import static io.sluice.testkit.SluiceAssertions.assertThat;

import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.KV;
import io.sluice.dataflow.KeyedStream;
import io.sluice.recovery.RecoveryStore;
import io.sluice.testkit.CrashedRun;
import io.sluice.testkit.Crash;
import io.sluice.testkit.DataflowRunner;
import io.sluice.testkit.DataflowTest;
import io.sluice.testkit.RecoveryRun;
import io.sluice.testkit.Script;
import io.sluice.testkit.TestRun;
import io.sluice.testkit.TestSink;
import io.sluice.testkit.TestSource;
import io.sluice.windowing.WindowingTest.Ev;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;

/**
 * Windows closed by time passing, on the testkit's virtual clock ({@link Script#advance}): the
 * system clock, event-time windows whose watermark moves on while no items come, and window state
 * across a crash and resume.
 */
@DataflowTest(workers = {1, 2, 4}, processes = {1, 2})
class WindowTimeTest {
  static final Instant ORIGIN = DataflowRunner.VIRTUAL_ORIGIN;

  static Ev ev(String key, long sec, String value) {
    return new Ev(key, sec, value);
  }

  static Dataflow flow(Script<Ev> script, Clock<Ev> clock, Windower windower, TestSink<String> out) {
    return WindowingTest.flow("time", List.of(), k -> k.collectWindow("win", clock, windower),
        WindowingTest::values, out, TestSource.of(script));
  }

  @DataflowTest
  void systemClockWindowsFollowTheRunsTime(DataflowRunner runner) {
    Script<Ev> script = Script.of(ev("a", 0, "a1"), ev("b", 0, "b1"), ev("a", 0, "a2"), ev("c", 0, "c1"))
        .advance(Duration.ofSeconds(30)).then(ev("a", 0, "a3"))
        .advance(Duration.ofSeconds(40)).then(ev("a", 0, "a4"), ev("b", 0, "b2"))
        .advance(Duration.ofSeconds(60)).then(ev("d", 0, "d1"));
    TestSink<String> out = new TestSink<>();
    TestRun run = runner.run(flow(script, new SystemClock<>(), Windower.tumbling(Duration.ofMinutes(1), ORIGIN), out));
    // the item timestamps are ignored: a1..a3 came in the run's first minute, a4 and b2 at 70 s
    List<String> lines = run.items(out);
    assertThat(WindowingTest.linesOf(lines, "a")).containsExactly("a w0 [a1, a2, a3]", "a w1 [a4]",
        "meta a w0 " + sec(ORIGIN) + ".." + (sec(ORIGIN) + 60), "meta a w1 " + (sec(ORIGIN) + 60) + ".." + (sec(ORIGIN) + 120));
    assertThat(WindowingTest.linesOf(lines, "b")).filteredOn(l -> !l.startsWith("meta"))
        .containsExactly("b w0 [b1]", "b w1 [b2]");
    // c's window closed when the run's time passed 60 s (a timer), not at the end of the input
    org.assertj.core.api.Assertions.assertThat(epochOf(out, "c w0 [c1]")).isLessThan(epochOf(out, "d w2 [d1]"));
  }

  static long sec(Instant t) {
    return WindowingTest.sec(t);
  }

  @DataflowTest
  void anEventTimeWatermarkMovesOnWithTimeAndAKeyWhoseWindowsClosedKeepsIt(DataflowRunner runner) {
    // a1 at 10 s: the watermark (10 s, no wait) then grows with the run's time. Two minutes later it
    // is 130 s: window 0 has closed by time alone, and the key has no open window. Bytewax drops
    // the key's state here, so a2 (20 s) would reopen window 0 and a3 (70 s) count in window 1;
    // Sluice keeps the watermark: both are late, and a4 (200 s) opens window 3.
    // Key c gets no item after its first: its window closes on the timer alone, in the epoch the
    // first advance opened, before b's window, which closes at the end of the input.
    Script<Ev> script = Script.of(ev("a", 10, "a1"), ev("c", 10, "c1"))
        .advance(Duration.ofMinutes(2))
        .then(ev("a", 20, "a2"), ev("a", 70, "a3"), ev("a", 200, "a4"))
        .advance(Duration.ofMinutes(1))
        .then(ev("b", 0, "b1"));
    TestSink<String> out = new TestSink<>();
    TestRun run = runner.run(flow(script, WindowingTest.EVENT_CLOCK,
        Windower.tumbling(Duration.ofMinutes(1), WindowingTest.ALIGN), out));
    assertThat(WindowingTest.linesOf(run.items(out), "a")).containsExactly(
        "a w0 [a1]", "a w3 [a4]", "late a w0 a2", "late a w1 a3", "meta a w0 0..60", "meta a w3 180..240");
    assertThat(WindowingTest.linesOf(run.items(out), "c")).containsExactly("c w0 [c1]", "meta c w0 0..60");
    org.assertj.core.api.Assertions.assertThat(epochOf(out, "c w0 [c1]")).isLessThan(epochOf(out, "b w0 [b1]"));
  }

  @DataflowTest
  void sessionsCloseWhenTheGapHasPassedInTime(DataflowRunner runner) {
    // with a 1 min wait the watermark after x (0 s) is -60 s; 3 minutes later it is 120 s, more
    // than the 30 s gap past x's session, which closes then, in the epoch that advance opened;
    // y's session (150 s) stays open until the end of the input, a later epoch
    Script<Ev> script = Script.of(ev("a", 0, "x")).advance(Duration.ofMinutes(3)).then(ev("a", 150, "y"))
        .advance(Duration.ofMinutes(1)).then(ev("b", 1000, "z"));
    TestSink<String> out = new TestSink<>();
    TestRun run = runner.run(flow(script, new EventClock<>(Ev::ts, Duration.ofMinutes(1)),
        Windower.session(Duration.ofSeconds(30)), out));
    assertThat(WindowingTest.linesOf(run.items(out), "a")).containsExactly(
        "a w0 [x]", "a w1 [y]", "meta a w0 0..0", "meta a w1 150..150");
    long xClosed = epochOf(out, "a w0 [x]");
    long yClosed = epochOf(out, "a w1 [y]");
    org.assertj.core.api.Assertions.assertThat(xClosed).isLessThan(yClosed);
  }

  static long epochOf(TestSink<String> out, String line) {
    return out.captured().stream().filter(c -> c.item().equals(line)).findFirst().orElseThrow().epoch();
  }

  /** 40 events of 4 keys, one a batch, every batch an epoch; keys' windows close along the way. */
  static TestSource<Ev> recoverySource() {
    List<Ev> events = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      events.add(ev("k" + (i % 4), i * 20L, "v" + i));
    }
    return TestSource.ofAll(events).withBatchSize(1);
  }

  static Dataflow countFlow(TestSink<KV<String, Windowed<Long>>> out) {
    Dataflow flow = new Dataflow("window-recovery").registerTypes(Ev.class);
    KeyedStream<String, Ev> keyed = flow.input("in", recoverySource()).keyOn("key", Ev::key);
    keyed.countWindow("count", WindowingTest.EVENT_CLOCK, Windower.tumbling(Duration.ofMinutes(2), WindowingTest.ALIGN))
        .down().output("out", out);
    return flow;
  }

  @DataflowTest(workers = {1, 3}, processes = 1)
  void windowStateSurvivesACrashAndResume(DataflowRunner runner, @TempDir Path dir) {
    DataflowRunner r = runner.withConfig(c -> c.withEpochInterval(Duration.ZERO));
    TestSink<KV<String, Windowed<Long>>> ref = new TestSink<>();
    TestRun reference = r.run(countFlow(ref));
    TestSink<KV<String, Windowed<Long>>> before = new TestSink<>();
    CrashedRun crashed = r.withRecovery(dir).runUntilCrash(countFlow(before), Crash.whenStepSeesItemNumber("count", 25));
    long resumeEpoch = RecoveryStore.inspect(dir).newestCompleteEpoch();
    TestSink<KV<String, Windowed<Long>>> after = new TestSink<>();
    TestRun resumed = r.withRecovery(dir).run(countFlow(after));
    assertThat(RecoveryRun.of(reference.output(ref), crashed.output(before), resumeEpoch, resumed.output(after)))
        .lostNothing().duplicatedOnlyAfterTheSnapshot();
    org.assertj.core.api.Assertions.assertThat(resumeEpoch).isPositive();
    org.assertj.core.api.Assertions.assertThat(resumed.step("in").totalOut()).isLessThan(40);
  }
}
