package io.sluice.testkit.recovery;

import static io.sluice.testkit.SluiceAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.dataflow.CollectTimeout;
import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.KV;
import io.sluice.inputs.Routing;
import io.sluice.recovery.RecoveryStore;
import io.sluice.run.RunHook;
import io.sluice.testkit.Captured;
import io.sluice.testkit.Crash;
import io.sluice.testkit.CrashedRun;
import io.sluice.testkit.DataflowRunner;
import io.sluice.testkit.RecoveryRun;
import io.sluice.testkit.Script;
import io.sluice.testkit.SinkOutput;
import io.sluice.testkit.TestRun;
import io.sluice.testkit.TestSink;
import io.sluice.testkit.TestSource;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recovery tried the way a demanding user would, on the real engine and real SQLite files: large
 * states, unusual keys, continuation after a crash, virtual time, corrupt chunks. Each test
 * compares with an uninterrupted run of the same input where one exists.
 */
class RecoveryEdgeCasesTest {

  // ------------------------------------------------------------------ helpers

  /** Running count per key; the key is the text before the first ':'. */
  static Dataflow countFlow(String name, TestSource<String> source, TestSink<KV<String, Long>> out) {
    Dataflow flow = new Dataflow(name);
    flow.input("in", source)
        .keyOn("key", s -> s.substring(0, s.indexOf(':')))
        .<Long, Long>statefulMap("count", (state, v) -> {
          long n = state.get() == null ? 1 : state.get() + 1;
          state.set(n);
          return n;
        })
        .output("out", out);
    return flow;
  }

  /** The first single-letter key that {@code workers} workers place on worker {@code worker}. */
  static String keyOwnedBy(int worker, int workers) {
    for (char c = 'a'; c <= 'z'; c++) {
      if (Routing.workerFor(String.valueOf(c), workers) == worker) {
        return String.valueOf(c);
      }
    }
    throw new IllegalStateException("no key for worker " + worker);
  }

  /** A source of one partition per script, one item a batch. */
  static TestSource<String> scripted(Map<String, Script<String>> scripts) {
    TestSource.Builder<String> b = TestSource.<String>builder().batchSize(1);
    scripts.forEach(b::partition);
    return b.build();
  }

  /** Last value per key, in the order written. */
  static <K, V> Map<K, V> lastPerKey(List<KV<K, V>> items) {
    Map<K, V> last = new LinkedHashMap<>();
    items.forEach(kv -> last.put(kv.key(), kv.value()));
    return last;
  }

  // ------------------------------------------------------------------ continuation, then a crash

  /**
   * A store that a run at 2 workers left at the end of its input (both workers record that they
   * ended) is continued by a second run at 2 workers, which crashes while worker 0 has written
   * epoch X and worker 1 has not: X is not complete, and the third run must resume from X - 1.
   * The ended records of the first run must not make X look complete.
   */
  @Test
  @Disabled("BUG: RecoveryStore.completeEpochs counts a worker's 'ended' commit of an earlier run at the same worker"
      + " count as having written every later epoch, so an epoch only some workers of a continued run wrote is"
      + " resumed from (double counts and lost updates)")
  void aContinuedRunThatCrashesResumesOnlyFromAnEpochEveryWorkerWrote(@TempDir Path dir, @TempDir Path refDir) {
    String k0 = keyOwnedBy(0, 2);
    String k1 = keyOwnedBy(1, 2);
    // partition p0 is read by worker 0, p1 by worker 1 (round-robin in name order); both feed keys of both workers
    Map<String, Script<String>> scripts = new TreeMap<>();
    for (String p : List.of("p0", "p1")) {
      Script<String> s = Script.of(k0 + ":" + p + ":1", k1 + ":" + p + ":2", k0 + ":" + p + ":3").endOfStream();
      for (int i = 4; i <= 16; i++) {
        s = s.then((i % 2 == 1 ? k1 : k0) + ":" + p + ":" + i);
      }
      scripts.put(p, s);
    }
    TestSource<String> src = scripted(scripts).withBatchSize(1);
    DataflowRunner r = DataflowRunner.withWorkers(2).withConfig(c -> c.withEpochInterval(Duration.ZERO));

    // the reference: the same two runs, uninterrupted
    TestSink<KV<String, Long>> ref = new TestSink<>();
    r.withRecovery(refDir).run(countFlow("cont", src, ref));
    List<KV<String, Long>> reference = r.withRecovery(refDir).run(countFlow("cont", src, ref)).output(ref).items();

    TestSink<KV<String, Long>> out = new TestSink<>();
    r.withRecovery(dir).run(countFlow("cont", src, out));
    AtomicLong closed0 = new AtomicLong();
    AtomicLong closed1 = new AtomicLong();
    AtomicReference<String> crashedAt = new AtomicReference<>();
    RunHook hook = new RunHook() {
      @Override
      public void afterEpoch(int worker, long epoch) {
        (worker == 0 ? closed0 : closed1).accumulateAndGet(epoch, Math::max);
      }

      @Override
      public void beforeStep(String step, int worker, List<?> items) {
        if (step.equals("count") && worker == 1 && items.toString().contains(":p1:9")) {
          // worker 1 has sent the close of this epoch downstream: let worker 0 close it, then stop worker 1
          long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
          while (closed0.get() <= closed1.get() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(1_000_000);
          }
          crashedAt.set("worker 0 closed " + closed0.get() + ", worker 1 closed " + closed1.get());
          throw new IllegalStateException("injected crash: worker 1 stops before closing its epoch");
        }
      }
    };
    assertThatThrownBy(() -> r.withRecovery(dir).withConfig(c -> c.withHook(hook)).run(countFlow("cont", src, out)))
        .hasStackTraceContaining("injected crash");
    assertThat(closed0.get()).as("the setup: " + crashedAt.get()).isEqualTo(closed1.get() + 1);
    List<KV<String, Long>> crashed = out.items();
    long resumeEpoch = RecoveryStore.inspect(dir).newestCompleteEpoch();

    List<KV<String, Long>> resumed = r.withRecovery(dir).run(countFlow("cont", src, out)).output(out).items();
    List<KV<String, Long>> all = new ArrayList<>(crashed);
    all.addAll(resumed);
    String setup = crashedAt.get() + "; resumed from epoch " + resumeEpoch;
    assertThat(lastPerKey(resumed)).as("final counts (" + setup + ")").isEqualTo(lastPerKey(reference));
    assertThat(all).as("nothing lost (" + setup + ")").containsAll(reference);
    assertThat(resumeEpoch).as("only epochs that both workers wrote are complete (" + setup + ")")
        .isEqualTo(closed1.get());
  }

  // ------------------------------------------------------------------ keys

  /** Two kinds of account keyed alike: a user and a team may share an id. */
  sealed interface Account permits User, Team {}

  record User(String id) implements Account {}

  record Team(String id) implements Account {}

  static Dataflow accountFlow(TestSource<String> source, TestSink<KV<Account, Long>> out) {
    Dataflow flow = new Dataflow("accounts").registerTypes(User.class, Team.class);
    flow.input("in", source)
        .<Account>keyOn("key", s -> s.startsWith("u") ? new User(s.substring(2, 3)) : new Team(s.substring(2, 3)))
        .<Long, Long>statefulMap("count", (state, v) -> {
          long n = state.get() == null ? 1 : state.get() + 1;
          state.set(n);
          return n;
        })
        .output("out", out);
    return flow;
  }

  /**
   * Keys of two record classes with the same components are two keys for the engine (same class
   * and same routing bytes make a key, {@link Routing}): each has its own count. They must stay two
   * keys in the recovery store, too.
   */
  @Test
  @Disabled("BUG: the recovery store identifies a key by its routing bytes alone (RecoveryStore.NewestFilter, compaction),"
      + " not by class and bytes as the engine does: User(\"1\") and Team(\"1\") collapse into one key on resume")
  void keysOfTwoRecordClassesWithTheSameComponentsStayTwoKeys(@TempDir Path dir) {
    TestSource<String> src = TestSource.of(Script.of("u:1", "t:1", "u:1", "t:1", "t:1").endOfStream().then("u:1", "t:1"));
    DataflowRunner r = DataflowRunner.withWorkers(1).withRecovery(dir);
    TestSink<KV<Account, Long>> first = new TestSink<>();
    assertThat(lastPerKey(r.run(accountFlow(src, first)).output(first).items()))
        .as("two keys for the engine").containsEntry(new User("1"), 2L).containsEntry(new Team("1"), 3L);
    assertThat(RecoveryStore.inspect(dir).keysPerStep()).containsEntry("count", 2L);
    TestSink<KV<Account, Long>> next = new TestSink<>();
    assertThat(r.run(accountFlow(src, next)).output(next).items())
        .containsExactlyInAnyOrder(KV.of(new User("1"), 3L), KV.of(new Team("1"), 4L));
  }

  // ------------------------------------------------------------------ virtual time

  static Dataflow collectFlow(String name, TestSource<String> source, TestSink<KV<String, List<String>>> out) {
    Dataflow flow = new Dataflow(name);
    flow.input("in", source)
        .keyOn("key", s -> s.substring(0, 1))
        .collect("collect", 100, Duration.ofSeconds(10), CollectTimeout.SINCE_FIRST_VALUE)
        .output("out", out);
    return flow;
  }

  /** a1 .. a20, one virtual second apart. */
  static Script<String> oneASecond() {
    Script<String> script = Script.of("a1");
    for (int i = 2; i <= 20; i++) {
      script = script.advance(Duration.ofSeconds(1)).then("a" + i);
    }
    return script;
  }

  static final List<List<String>> TWO_LISTS = List.of(
      Stream.iterate(1, i -> i + 1).limit(10).map(i -> "a" + i).toList(),
      Stream.iterate(11, i -> i + 1).limit(10).map(i -> "a" + i).toList());

  /** Each item stamped with the run's time when a step saw it. */
  static Dataflow stampFlow(String name, TestSource<String> source, TestSink<String> out) {
    Dataflow flow = new Dataflow(name);
    flow.input("in", source).map("stamp", s -> s + "@" + io.sluice.time.RunClock.now()).output("out", out);
    return flow;
  }

  /**
   * Replaying history on virtual time that starts before 1970 (ms since 1970 are negative): the
   * run's time starts at the origin, and a resumed run goes on from its snapshot's time.
   */
  @Test
  @Disabled("BUG: Worker.startTimeMillis = max(virtualTimeOrigin, Recovery.resumeTimeMillis), and resumeTimeMillis is 0"
      + " for a fresh start (and at least 0 on resume): a virtual time origin before 1970 starts every run at"
      + " 1970-01-01T00:00:00Z")
  void virtualTimeBefore1970StartsAtItsOriginAndResumesFromTheSnapshotsTime(@TempDir Path dir) {
    Instant origin = Instant.parse("1969-07-20T20:17:00Z");
    DataflowRunner r = DataflowRunner.withWorkers(1).withConfig(c -> c.withVirtualTime(origin));
    TestSource<String> src = TestSource.of(oneASecond()).withBatchSize(1);
    TestSink<String> ref = new TestSink<>();
    SinkOutput<String> reference = r.run(stampFlow("moon", src, ref)).output(ref);
    assertThat(reference.items()).startsWith("a1@" + origin, "a2@" + origin.plusSeconds(1))
        .endsWith("a20@" + origin.plusSeconds(19));
    TestSink<String> before = new TestSink<>();
    CrashedRun crashed = r.withRecovery(dir).runUntilCrash(stampFlow("moon", src, before),
        Crash.whenStepSees("stamp", "a8"));
    long resumeEpoch = RecoveryStore.inspect(dir).newestCompleteEpoch();
    TestSink<String> after = new TestSink<>();
    TestRun resumed = r.withRecovery(dir).run(stampFlow("moon", src, after));
    assertThat(RecoveryRun.of(reference, crashed.output(before), resumeEpoch, resumed.output(after)))
        .lostNothing().duplicatedOnlyAfterTheSnapshot();
  }

  /**
   * Two partitions whose virtual times differ: x jumps ten minutes ahead at once, a goes on one
   * second at a time. The collect step's time is the smaller of its inputs' (a's), so a's 10 s
   * timeout fires after a10 in an uninterrupted run; a resumed run must not put a's partition at
   * x's time.
   */
  @Test
  @Disabled("BUG: the store keeps one time per worker and epoch, the largest any of its tasklets reached"
      + " (Worker.epochTimeMillis), and every partition of the resumed run starts at it: a lagging partition jumps"
      + " ahead and the timers pending in the snapshot fire at once")
  void aPartitionBehindAnotherInVirtualTimeResumesAtItsOwnTime(@TempDir Path dir) {
    Map<String, Script<String>> scripts = new TreeMap<>();
    scripts.put("a", oneASecond());
    scripts.put("x", Script.of("x1").advance(Duration.ofMinutes(10)).then("x2"));
    DataflowRunner r = DataflowRunner.withWorkers(1);
    TestSink<KV<String, List<String>>> ref = new TestSink<>();
    SinkOutput<KV<String, List<String>>> reference = r.run(collectFlow("skew", scripted(scripts)
        .withBatchSize(1), ref)).output(ref);
    assertThat(reference.items()).filteredOn(kv -> kv.key().equals("a"))
        .containsExactly(KV.of("a", TWO_LISTS.get(0)), KV.of("a", TWO_LISTS.get(1)));
    TestSink<KV<String, List<String>>> before = new TestSink<>();
    CrashedRun crashed = r.withRecovery(dir).runUntilCrash(collectFlow("skew", scripted(scripts)
        .withBatchSize(1), before), Crash.whenStepSees("collect", KV.of("a", "a8")));
    long resumeEpoch = RecoveryStore.inspect(dir).newestCompleteEpoch();
    TestSink<KV<String, List<String>>> after = new TestSink<>();
    TestRun resumed = r.withRecovery(dir).run(collectFlow("skew", scripted(scripts).withBatchSize(1),
        after));
    assertThat(RecoveryRun.of(reference, crashed.output(before), resumeEpoch, resumed.output(after)))
        .lostNothing().duplicatedOnlyAfterTheSnapshot().endsInTheSameStateAsTheUninterruptedRun();
  }
}
