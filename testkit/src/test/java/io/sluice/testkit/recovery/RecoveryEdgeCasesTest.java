package io.sluice.testkit.recovery;

import static io.sluice.testkit.SluiceAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.dataflow.CollectTimeout;
import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.KV;
import io.sluice.inputs.Routing;
import io.sluice.recovery.RecoveryStore;
import io.sluice.recovery.internal.RecoveryFiles;
import io.sluice.run.RunHook;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recovery tried the way a demanding user would, on the real engine and real SQLite files: large
 * states, unusual keys, continuation after a crash, virtual time, corrupt chunks. Each test
 * compares with an uninterrupted run of the same input where one exists.
 * The eight bugs these tests found are fixed; each test failed before its fix.
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

  // ------------------------------------------------------------------ large states

  /** Per key, the list of every value seen; emits "n=<size>,chars=<total length>" after each value. */
  static Dataflow hoardFlow(String name, TestSource<String> source, TestSink<KV<String, String>> out) {
    Dataflow flow = new Dataflow(name);
    flow.input("in", source)
        .keyOn("key", s -> s.substring(0, s.indexOf(':')))
        .statefulMap("hoard", ArrayList<String>::new, (state, v) -> {
          ArrayList<String> list = state.get();
          list.add(v);
          state.set(list);
          long chars = 0;
          for (String x : list) {
            chars += x.length();
          }
          return "n=" + list.size() + ",chars=" + chars;
        })
        .output("out", out);
    return flow;
  }

  /**
   * 30 values of 100,000 chars for key "big" (a 3 MB state, three chunk sizes) and small ones for
   * a, b, c over two partitions; after the end of the input, one more value for "big".
   */
  static TestSource<String> hoardSource() {
    List<List<String>> parts = List.of(new ArrayList<>(), new ArrayList<>());
    for (int i = 0; i < 30; i++) {
      parts.get(i % 2).add("big:" + String.valueOf((char) ('A' + i % 26)).repeat(100_000));
      parts.get(i % 2).add("abc".charAt(i % 3) + ":" + (char) ('a' + i)); // one length: order-independent sums
    }
    return TestSource.<String>builder().batchSize(3)
        .partition("p0", Script.ofAll(parts.get(0)).endOfStream().then("big:tail"))
        .partition("p1", Script.ofAll(parts.get(1)))
        .build();
  }

  /**
   * One key's state is three times the chunk size: its snapshots go in a chunk of their own, and
   * a crash, a resume at another worker count and the compaction at the end of the run keep it whole.
   */
  @Test
  void aStateLargerThanAChunkSurvivesACrashARescaleAndCompaction(@TempDir Path dir) {
    DataflowRunner r = DataflowRunner.withWorkers(2).withConfig(c -> c.withEpochInterval(Duration.ZERO));
    TestSink<KV<String, String>> ref = new TestSink<>();
    SinkOutput<KV<String, String>> reference = r.run(hoardFlow("hoard", hoardSource(), ref)).output(ref);
    assertThat(lastPerKey(reference.items())).containsEntry("big", "n=30,chars=3000120");
    TestSink<KV<String, String>> before = new TestSink<>();
    CrashedRun crashed = r.withRecovery(dir).runUntilCrash(hoardFlow("hoard", hoardSource(), before),
        Crash.whenStepSeesItemNumber("hoard", 50));
    long resumeEpoch = RecoveryStore.inspect(dir).newestCompleteEpoch();
    TestSink<KV<String, String>> after = new TestSink<>();
    TestRun resumed = r.atWorkers(1).withRecovery(dir).run(hoardFlow("hoard", hoardSource(), after));
    assertThat(RecoveryRun.of(reference, crashed.output(before), resumeEpoch, resumed.output(after)))
        .lostNothing().duplicatedOnlyAfterTheSnapshot().endsInTheSameStateAsTheUninterruptedRun();
    // the store after the run's final compaction still holds the whole state: the continuation goes on from it
    assertThat(RecoveryStore.inspect(dir).keysPerStep()).containsEntry("hoard", 4L);
    TestSink<KV<String, String>> more = new TestSink<>();
    assertThat(r.atWorkers(3).withRecovery(dir).run(hoardFlow("hoard", hoardSource(), more)).output(more).items())
        .containsExactly(KV.of("big", "n=31,chars=3000128"));
  }

  // ------------------------------------------------------------------ keys of every kind

  enum Color { RED, GREEN, BLUE }

  record Pair(int n, String s) {}

  /** A record whose equals is not its routing bytes' (a byte[] component): held by class and bytes. */
  record Blob(byte[] bytes) {}

  /** Counts the same ints under keys of many kinds, one step per kind; outputs "step/key" -> count. */
  static Dataflow manyKeysFlow(TestSource<Integer> source, TestSink<KV<String, Long>> out) {
    Dataflow flow = new Dataflow("keys").registerTypes(Color.class, Pair.class, Blob.class);
    var in = flow.input("in", source);
    List<io.sluice.dataflow.Stream<KV<String, Long>>> counts = new ArrayList<>();
    counts.add(count(in.keyOn("int", i -> i % 3 - 1), "int", Object::toString));
    counts.add(count(in.keyOn("long", i -> Long.MIN_VALUE + i % 3), "long", Object::toString));
    counts.add(count(in.keyOn("bytes", i -> new byte[] {(byte) (i % 3), 0, -1}), "bytes",
        k -> java.util.Arrays.toString((byte[]) k)));
    counts.add(count(in.keyOn("record", i -> new Pair(i % 3, "p")), "record", Object::toString));
    counts.add(count(in.keyOn("blob", i -> new Blob(new byte[] {(byte) (i % 3)})), "blob",
        k -> java.util.Arrays.toString(((Blob) k).bytes())));
    counts.add(count(in.keyOn("enum", i -> Color.values()[i % 3]), "enum", Object::toString));
    counts.add(count(in.keyOn("text", i -> List.of("", "ключ", "🔑日本").get(i % 3)), "text", k -> "'" + k + "'"));
    counts.add(count(in.keyOn("uuid", i -> new java.util.UUID(i % 3, -1)), "uuid", Object::toString));
    counts.add(count(in.keyOn("list", i -> List.of(i % 3, "l")), "list", Object::toString));
    counts.add(count(in.keyOn("bool", i -> i % 2 == 0), "bool", Object::toString));
    counts.add(count(in.keyOn("double", i -> i % 3 == 0 ? -0.0 : i % 3 == 1 ? Double.NaN : 1e300), "double",
        Object::toString));
    counts.get(0).merge("all", counts.subList(1, counts.size()).toArray(io.sluice.dataflow.Stream[]::new))
        .output("out", out);
    return flow;
  }

  static <K> io.sluice.dataflow.Stream<KV<String, Long>> count(io.sluice.dataflow.KeyedStream<K, Integer> keyed,
      String kind, java.util.function.Function<Object, String> describe) {
    return keyed.<Long, Long>statefulMap(kind + "-count", (state, v) -> {
      long n = state.get() == null ? 1 : state.get() + 1;
      state.set(n);
      return n;
    }).map(kind + "-name", kv -> KV.of(kind + "/" + describe.apply(kv.key()), kv.value()));
  }

  /**
   * Keys of every kind (negative and extreme numbers, byte arrays, records, a record with a byte
   * array, enums, the empty string, non-ASCII strings, UUIDs, lists, booleans, -0.0 and NaN) go on
   * counting after the end of the input, after a crash and at other worker counts.
   */
  @Test
  void keysOfEveryKindResumeAsTheSameKeys(@TempDir Path dir, @TempDir Path refDir) {
    Script<Integer> script = Script.ofAll(Stream.iterate(0, i -> i + 1).limit(30).toList()).endOfStream()
        .thenAll(Stream.iterate(30, i -> i + 1).limit(30).toList());
    TestSource<Integer> src = TestSource.of(script).withBatchSize(2);
    DataflowRunner r = DataflowRunner.withWorkers(2).withConfig(c -> c.withEpochInterval(Duration.ZERO));
    TestSink<KV<String, Long>> ref = new TestSink<>();
    r.withRecovery(refDir).run(manyKeysFlow(src, ref));
    SinkOutput<KV<String, Long>> reference = r.withRecovery(refDir).run(manyKeysFlow(src, ref)).output(ref);
    assertThat(lastPerKey(reference.items())).hasSize(3 * 10 + 2).containsEntry("text/''", 20L)
        .containsEntry("bytes/[0, 0, -1]", 20L).containsEntry("bool/true", 30L).containsEntry("double/NaN", 20L);

    TestSink<KV<String, Long>> first = new TestSink<>();
    r.atWorkers(1).withRecovery(dir).run(manyKeysFlow(src, first));
    Map<String, Long> keys = RecoveryStore.inspect(dir).keysPerStep();
    assertThat(keys).containsEntry("text-count", 3L).containsEntry("bytes-count", 3L).containsEntry("blob-count", 3L)
        .containsEntry("double-count", 3L).containsEntry("bool-count", 2L);
    TestSink<KV<String, Long>> before = new TestSink<>();
    CrashedRun crashed = r.atWorkers(3).withRecovery(dir).runUntilCrash(manyKeysFlow(src, before),
        Crash.whenStepSeesItemNumber("blob-count", 17));
    long resumeEpoch = RecoveryStore.inspect(dir).newestCompleteEpoch();
    TestSink<KV<String, Long>> after = new TestSink<>();
    TestRun resumed = r.withRecovery(dir).run(manyKeysFlow(src, after));
    assertThat(RecoveryRun.of(reference, crashed.output(before), resumeEpoch, resumed.output(after)))
        .lostNothing().duplicatedOnlyAfterTheSnapshot().endsInTheSameStateAsTheUninterruptedRun();
  }

  // ------------------------------------------------------------------ mutable states

  /**
   * A logic whose snapshot is its live, mutable list, which it keeps changing after every
   * snapshot (and clears on "!"): what the store holds must be the list as it was at the close.
   */
  static final class Tally implements io.sluice.dataflow.StatefulLogic<String, String, ArrayList<String>> {
    private final ArrayList<String> seen;

    Tally(ArrayList<String> resume) {
      this.seen = resume == null ? new ArrayList<>() : resume;
    }

    @Override
    public io.sluice.dataflow.Retention onBatch(List<String> values, java.util.function.Consumer<? super String> out) {
      for (String v : values) {
        if (v.endsWith("!")) {
          seen.clear();
        } else {
          seen.add(v);
        }
        out.accept(String.join(",", seen));
      }
      return io.sluice.dataflow.Retention.RETAIN;
    }

    @Override
    public ArrayList<String> snapshot() {
      return seen; // deliberately the live object
    }
  }

  static Dataflow tallyFlow(TestSource<String> source, TestSink<KV<String, String>> out) {
    Dataflow flow = new Dataflow("tally");
    flow.input("in", source)
        .keyOn("key", s -> s.substring(0, 1))
        .statefulBatch("tally", (String key, ArrayList<String> resume) -> new Tally(resume))
        .output("out", out);
    return flow;
  }

  @Test
  void aLiveMutableSnapshotChangedAfterTheEpochsCloseDoesNotLeakIntoTheStore(@TempDir Path dir) {
    List<String> items = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      items.add("abcd".charAt(i % 4) + (i % 9 == 8 ? "!" : String.valueOf(i)));
    }
    DataflowRunner r = DataflowRunner.withWorkers(2).withConfig(c -> c.withEpochInterval(Duration.ZERO));
    TestSink<KV<String, String>> ref = new TestSink<>();
    SinkOutput<KV<String, String>> reference = r.run(tallyFlow(TestSource.dealt(2, items).withBatchSize(3), ref))
        .output(ref);
    TestSink<KV<String, String>> before = new TestSink<>();
    CrashedRun crashed = r.withRecovery(dir).runUntilCrash(tallyFlow(TestSource.dealt(2, items).withBatchSize(3),
        before), Crash.whenStepSeesItemNumber("tally", 27));
    long resumeEpoch = RecoveryStore.inspect(dir).newestCompleteEpoch();
    TestSink<KV<String, String>> after = new TestSink<>();
    TestRun resumed = r.withRecovery(dir).run(tallyFlow(TestSource.dealt(2, items).withBatchSize(3), after));
    assertThat(RecoveryRun.of(reference, crashed.output(before), resumeEpoch, resumed.output(after)))
        .lostNothing().duplicatedOnlyAfterTheSnapshot().endsInTheSameStateAsTheUninterruptedRun();
  }

  // ------------------------------------------------------------------ types that cannot be snapshotted

  record Score(long points) {}

  enum Level { LOW, HIGH }

  /**
   * A state type the flow did not register cannot be written to the store: the run fails with a
   * message naming the step, the key and what to do, at 1 and 2 processes, whether the state is a
   * record (serialized on the worker) or an enum (serialized later, by the store's writer).
   */
  @Test
  void anUnregisteredStateTypeIsAClearErrorNamingTheStepAndTheKey(@TempDir Path dir) {
    for (int processes : new int[] {1, 2}) {
      Path records = dir.resolve("records-" + processes);
      Dataflow withRecords = new Dataflow("unregistered");
      withRecords.input("in", TestSource.of("k1:a", "k2:b"))
          .keyOn("key", s -> s.substring(0, s.indexOf(':')))
          .statefulMap("score", (io.sluice.dataflow.ValueState<Score> state, String v) -> {
            state.set(new Score(v.length()));
            return v;
          })
          .output("out", new TestSink<>());
      assertThatThrownBy(() -> DataflowRunner.withWorkers(1).withProcesses(processes).withRecovery(records)
          .run(withRecords))
          .as("%d processes", processes)
          .hasMessageContaining("'score'").hasMessageContaining("k1").hasMessageContaining("registerTypes")
          .hasMessageContaining(Score.class.getName().replace('$', '.'));

      Path enums = dir.resolve("enums-" + processes);
      Dataflow withEnums = new Dataflow("unregistered");
      withEnums.input("in", TestSource.of("k1:a", "k2:b"))
          .keyOn("key", s -> s.substring(0, s.indexOf(':')))
          .statefulMap("level", (io.sluice.dataflow.ValueState<Level> state, String v) -> {
            state.set(Level.HIGH);
            return v;
          })
          .output("out", new TestSink<>());
      assertThatThrownBy(() -> DataflowRunner.withWorkers(1).withProcesses(processes).withRecovery(enums)
          .run(withEnums))
          .as("%d processes", processes)
          .hasMessageContaining("'level'").hasMessageContaining("registerTypes")
          .hasMessageContaining(Level.class.getName().replace('$', '.'))
          .hasMessageMatching("(?s).*snapshotting k[12].*");
    }
  }

  // ------------------------------------------------------------------ several stateful steps, crashes in a row, rescale

  /** 60 items a0 .. g59 over 3 partitions, one a batch. */
  static TestSource<String> sixty() {
    List<String> items = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      items.add("abcdefg".charAt(i % 7) + ":" + i);
    }
    return TestSource.dealt(3, items).withBatchSize(1);
  }

  /**
   * Four stateful steps, two exchanges: a running count per letter (deterministic per key), a
   * running sum of the counts per count mod 3 (order-dependent: final value only), and per letter
   * a fold and a reduce emitted at the end of the input.
   */
  static Dataflow fourSteps(TestSource<String> source, TestSink<KV<String, Long>> counts,
      TestSink<KV<String, Long>> sums, TestSink<KV<String, String>> finals) {
    Dataflow flow = new Dataflow("four");
    var keyed = flow.input("in", source).keyOn("key", s -> s.substring(0, 1));
    var count = keyed.<Long, Long>statefulMap("count", (state, v) -> {
      long n = state.get() == null ? 1 : state.get() + 1;
      state.set(n);
      return n;
    });
    count.output("counts", counts);
    count.keyRm("unkey").keyOn("mod", n -> "m" + n % 3)
        .statefulMap("sum", () -> 0L, (state, n) -> {
          long sum = state.get() + n;
          state.set(sum);
          return sum;
        })
        .output("sums", sums);
    var fold = keyed.foldFinal("fold", () -> "", (acc, v) -> acc + "+" + v.substring(2))
        .mapValue("sorted", acc -> java.util.Arrays.stream(acc.split("\\+")).filter(x -> !x.isEmpty())
            .mapToInt(Integer::parseInt).sorted().boxed().toList().toString());
    var max = keyed.mapValue("n", v -> v.substring(2)).reduceFinal("max",
        (x, y) -> Integer.parseInt(x) >= Integer.parseInt(y) ? x : y).mapValue("max-text", v -> "max " + v);
    fold.merge("finals", max).output("final", finals);
    return flow;
  }

  /**
   * Crash after crash at changing worker counts (1 -> 4 -> 2 -> 3): every running count is
   * written, and the last run ends in the uninterrupted run's state, in every step.
   */
  @Test
  void crashAfterCrashWhileRescaling1To4To2To3LosesNothingInAnyStep(@TempDir Path dir) {
    DataflowRunner r = DataflowRunner.withWorkers(1).withConfig(c -> c.withEpochInterval(Duration.ZERO));
    TestSink<KV<String, Long>> refCounts = new TestSink<>();
    TestSink<KV<String, Long>> refSums = new TestSink<>();
    TestSink<KV<String, String>> refFinals = new TestSink<>();
    TestRun reference = r.run(fourSteps(sixty(), refCounts, refSums, refFinals));

    List<SinkOutput<KV<String, Long>>> crashedCounts = new ArrayList<>();
    List<SinkOutput<KV<String, Long>>> crashedSums = new ArrayList<>();
    int[][] crashes = {{1, 12}, {4, 15}, {2, 9}};
    for (int[] crash : crashes) {
      TestSink<KV<String, Long>> counts = new TestSink<>();
      TestSink<KV<String, Long>> sums = new TestSink<>();
      CrashedRun crashed = r.atWorkers(crash[0]).withRecovery(dir).runUntilCrash(
          fourSteps(sixty(), counts, sums, new TestSink<>()), Crash.whenStepSeesItemNumber("sum", crash[1]));
      crashedCounts.add(crashed.output(counts));
      crashedSums.add(crashed.output(sums));
    }
    long resumeEpoch = RecoveryStore.inspect(dir).newestCompleteEpoch();
    TestSink<KV<String, Long>> counts = new TestSink<>();
    TestSink<KV<String, Long>> sums = new TestSink<>();
    TestSink<KV<String, String>> finals = new TestSink<>();
    TestRun last = r.atWorkers(3).withRecovery(dir).run(fourSteps(sixty(), counts, sums, finals));

    assertThat(RecoveryRun.of(reference.output(refCounts), crashedCounts, resumeEpoch, last.output(counts)))
        .lostNothing().endsInTheSameStateAsTheUninterruptedRun();
    assertThat(RecoveryRun.of(reference.output(refSums), crashedSums, resumeEpoch, last.output(sums)))
        .endsInTheSameStateAsTheUninterruptedRun();
    assertThat(last.output(finals).items()).containsExactlyInAnyOrderElementsOf(reference.output(refFinals).items());
    assertThat(last.step("in").totalOut()).as("read again").isLessThan(60);
  }

  /** 2 processes crash, 1 process goes on and crashes, 2 processes finish: the same final state. */
  @Test
  void twoProcessesThenOneThenTwoAgain(@TempDir Path dir) {
    DataflowRunner two = DataflowRunner.withWorkers(2).withProcesses(2)
        .withConfig(c -> c.withEpochInterval(Duration.ZERO));
    TestSink<KV<String, Long>> refCounts = new TestSink<>();
    TestSink<KV<String, Long>> refSums = new TestSink<>();
    TestSink<KV<String, String>> refFinals = new TestSink<>();
    TestRun reference = two.run(fourSteps(sixty(), refCounts, refSums, refFinals));

    TestSink<KV<String, Long>> c1 = new TestSink<>();
    CrashedRun first = two.withRecovery(dir).runUntilCrash(fourSteps(sixty(), c1, new TestSink<>(), new TestSink<>()),
        Crash.whenStepSeesItemNumber("count", 18));
    TestSink<KV<String, Long>> c2 = new TestSink<>();
    CrashedRun second = DataflowRunner.withWorkers(3).withConfig(c -> c.withEpochInterval(Duration.ZERO))
        .withRecovery(dir).runUntilCrash(fourSteps(sixty(), c2, new TestSink<>(), new TestSink<>()),
            Crash.whenStepSeesItemNumber("count", 14));
    long resumeEpoch = RecoveryStore.inspect(dir).newestCompleteEpoch();
    TestSink<KV<String, Long>> counts = new TestSink<>();
    TestSink<KV<String, Long>> sums = new TestSink<>();
    TestSink<KV<String, String>> finals = new TestSink<>();
    TestRun last = two.atWorkers(1).withRecovery(dir).run(fourSteps(sixty(), counts, sums, finals));
    assertThat(RecoveryRun.of(reference.output(refCounts), List.of(first.output(c1), second.output(c2)), resumeEpoch,
        last.output(counts))).lostNothing().endsInTheSameStateAsTheUninterruptedRun();
    assertThat(lastPerKey(last.output(sums).items())).isEqualTo(lastPerKey(reference.output(refSums).items()));
    assertThat(last.output(finals).items()).containsExactlyInAnyOrderElementsOf(reference.output(refFinals).items());
  }

  // ------------------------------------------------------------------ keys discarded and built again

  /** Counts per letter; "!" discards the letter's state. Each letter lives in one partition (a deterministic order). */
  static Dataflow resettingFlow(TestSink<KV<String, Long>> out) {
    Map<String, List<String>> parts = new TreeMap<>();
    for (int i = 0; i < 72; i++) {
      String letter = String.valueOf("abcdef".charAt(i % 6));
      parts.computeIfAbsent("p" + i % 3, x -> new ArrayList<>()).add(letter + (i % 5 == 4 ? "!" : ":" + i));
    }
    TestSource.Builder<String> b = TestSource.<String>builder().batchSize(2);
    parts.forEach((p, items) -> b.partition(p, Script.ofAll(items)));
    return RecoveryTest.resettingCountFlow("resetting", b.build(), out);
  }

  /** Keys discarded and built again in many epochs, two crashes, three worker counts: nothing lost. */
  @Test
  void keysDiscardedAndBuiltAgainAcrossEpochsAndCrashes(@TempDir Path dir) {
    DataflowRunner r = DataflowRunner.withWorkers(3).withConfig(c -> c.withEpochInterval(Duration.ZERO));
    TestSink<KV<String, Long>> ref = new TestSink<>();
    SinkOutput<KV<String, Long>> reference = r.run(resettingFlow(ref)).output(ref);
    TestSink<KV<String, Long>> o1 = new TestSink<>();
    CrashedRun c1 = r.withRecovery(dir).runUntilCrash(resettingFlow(o1), Crash.whenStepSeesItemNumber("count", 30));
    TestSink<KV<String, Long>> o2 = new TestSink<>();
    CrashedRun c2 = r.atWorkers(2).withRecovery(dir).runUntilCrash(resettingFlow(o2),
        Crash.whenStepSeesItemNumber("count", 20));
    long resumeEpoch = RecoveryStore.inspect(dir).newestCompleteEpoch();
    TestSink<KV<String, Long>> o3 = new TestSink<>();
    TestRun last = r.atWorkers(1).withRecovery(dir).run(resettingFlow(o3));
    assertThat(RecoveryRun.of(reference, List.of(c1.output(o1), c2.output(o2)), resumeEpoch, last.output(o3)))
        .lostNothing().endsInTheSameStateAsTheUninterruptedRun();
    // the last items discarded some keys: the store holds only the others
    long live = lastPerKey(reference.items()).values().stream().filter(n -> n > 0).count();
    assertThat(RecoveryStore.inspect(dir).keysPerStep()).containsEntry("count", live);
  }

  // ------------------------------------------------------------------ windows and joins

  static final Instant T0 = DataflowRunner.VIRTUAL_ORIGIN;

  /** "k@s": key k at event second s. */
  static Instant at(String item) {
    return T0.plusSeconds(Long.parseLong(item.substring(item.indexOf('@') + 1)));
  }

  static Dataflow windowsAndJoin(TestSink<KV<String, io.sluice.windowing.Windowed<Long>>> counts,
      TestSink<KV<String, io.sluice.windowing.Windowed<List<String>>>> sessions,
      TestSink<KV<String, io.sluice.dataflow.Joined<String, String>>> joined) {
    // each key in one partition, its timestamps rising: the same windows in every run and at every worker count
    TestSource.Builder<String> left = TestSource.<String>builder().batchSize(1);
    TestSource.Builder<String> right = TestSource.<String>builder().batchSize(1);
    for (String k : List.of("a", "b", "c", "d")) {
      List<String> items = new ArrayList<>();
      for (int s = 0; s < 40; s += 1 + (s % 7 == 0 ? 9 : s % 3)) {
        items.add(k + "@" + s);
      }
      left.partition("left-" + k, Script.ofAll(items));
      right.partition("right-" + k, Script.of(k + "=" + k.toUpperCase(), k + "=" + k.toUpperCase() + "2"));
    }
    Dataflow flow = new Dataflow("windows");
    var keyed = flow.input("events", left.build()).keyOn("key", s -> s.substring(0, s.indexOf('@')));
    var clock = new io.sluice.windowing.EventClock<String>(RecoveryEdgeCasesTest::at, Duration.ofSeconds(2));
    keyed.countWindow("tumbling", clock, io.sluice.windowing.Windower.tumbling(Duration.ofSeconds(10), T0))
        .down().output("counts", counts);
    keyed.collectWindow("session", clock, io.sluice.windowing.Windower.session(Duration.ofSeconds(4)))
        .down().output("sessions", sessions);
    var names = flow.input("names", right.build()).keyOn("name-key", s -> s.substring(0, 1))
        .mapValue("name", s -> s.substring(2));
    keyed.join("join", names, io.sluice.dataflow.JoinInsertMode.LAST, io.sluice.dataflow.JoinMode.FINAL)
        .output("joined", joined);
    return flow;
  }

  /** Tumbling and session windows and a join, crashed mid-way and resumed at another worker count. */
  @Test
  void windowsAndAJoinResumeWithTheSameWindows(@TempDir Path dir) {
    DataflowRunner r = DataflowRunner.withWorkers(2).withConfig(c -> c.withEpochInterval(Duration.ZERO));
    TestSink<KV<String, io.sluice.windowing.Windowed<Long>>> refCounts = new TestSink<>();
    TestSink<KV<String, io.sluice.windowing.Windowed<List<String>>>> refSessions = new TestSink<>();
    TestSink<KV<String, io.sluice.dataflow.Joined<String, String>>> refJoined = new TestSink<>();
    TestRun reference = r.run(windowsAndJoin(refCounts, refSessions, refJoined));
    assertThat(reference.output(refCounts).items()).hasSizeGreaterThan(8);
    assertThat(reference.output(refSessions).items()).hasSizeGreaterThan(8);
    assertThat(reference.output(refJoined).items()).hasSize(4);

    TestSink<KV<String, io.sluice.windowing.Windowed<Long>>> counts = new TestSink<>();
    TestSink<KV<String, io.sluice.windowing.Windowed<List<String>>>> sessions = new TestSink<>();
    TestSink<KV<String, io.sluice.dataflow.Joined<String, String>>> joined = new TestSink<>();
    CrashedRun crashed = r.withRecovery(dir).runUntilCrash(windowsAndJoin(counts, sessions, joined),
        Crash.whenStepSeesItemNumber("session", 30));
    long resumeEpoch = RecoveryStore.inspect(dir).newestCompleteEpoch();
    TestSink<KV<String, io.sluice.windowing.Windowed<Long>>> counts2 = new TestSink<>();
    TestSink<KV<String, io.sluice.windowing.Windowed<List<String>>>> sessions2 = new TestSink<>();
    TestSink<KV<String, io.sluice.dataflow.Joined<String, String>>> joined2 = new TestSink<>();
    TestRun resumed = r.atWorkers(3).withRecovery(dir).run(windowsAndJoin(counts2, sessions2, joined2));
    assertThat(RecoveryRun.of(reference.output(refCounts), crashed.output(counts), resumeEpoch,
        resumed.output(counts2))).lostNothing().duplicatedOnlyAfterTheSnapshot();
    assertThat(RecoveryRun.of(reference.output(refSessions), crashed.output(sessions), resumeEpoch,
        resumed.output(sessions2))).lostNothing().duplicatedOnlyAfterTheSnapshot();
    assertThat(resumed.output(joined2).items()).containsExactlyInAnyOrderElementsOf(reference.output(refJoined).items());
  }

  // ------------------------------------------------------------------ corrupt chunks

  /** The path of a partition holding a chunk of {@code step}. */
  static Path partitionWith(Path dir, String step) throws Exception {
    for (int i = 0; i < DataflowRunner.DEFAULT_RECOVERY_PARTITIONS; i++) {
      Path p = dir.resolve("part-" + i + ".sqlite3");
      try (java.sql.Connection c = RecoveryFiles.connect(p); java.sql.PreparedStatement ps =
          c.prepareStatement("SELECT COUNT(*) FROM snaps WHERE step_id = ?")) {
        ps.setString(1, step);
        try (java.sql.ResultSet rs = ps.executeQuery()) {
          if (rs.next() && rs.getLong(1) > 0) {
            return p;
          }
        }
      }
    }
    throw new AssertionError("no chunk of step '" + step + "' in " + dir);
  }

  static void update(Path part, String sql, Object... args) throws Exception {
    try (java.sql.Connection c = RecoveryFiles.connect(part); java.sql.PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setObject(i + 1, args[i]);
      }
      assertThat(ps.executeUpdate()).as(sql).isPositive();
    }
  }

  /** Copies a store (after its run closed every connection: no WAL left). */
  static Path copy(Path from, Path to) throws Exception {
    java.nio.file.Files.createDirectories(to);
    try (var files = java.nio.file.Files.list(from)) {
      for (Path f : files.toList()) {
        java.nio.file.Files.copy(f, to.resolve(f.getFileName()));
      }
    }
    return to;
  }

  /**
   * Chunks damaged in different ways (one entry too few or too many, an overlong length, a state
   * the serde cannot read, an empty chunk claiming entries): each run refuses to start, naming the
   * partition or the step, and writes nothing; inspect refuses too. Never a fresh start.
   */
  @Test
  void damagedChunksAreClearErrorsNeverAFreshStart(@TempDir Path tmp) throws Exception {
    Path good = tmp.resolve("good");
    DataflowRunner r = DataflowRunner.withWorkers(2);
    TestSink<KV<String, Long>> out = new TestSink<>();
    r.withRecovery(good).run(countFlow("damaged", TestSource.of(Script.of("a:1", "b:2", "c:3", "a:4").endOfStream()
        .then("a:5")), out));
    Map<String, String> damages = new LinkedHashMap<>();
    damages.put("UPDATE snaps SET entries = entries - 1 WHERE step_id = 'count'", "bytes after its");
    damages.put("UPDATE snaps SET entries = entries + 1 WHERE step_id = 'count'", "truncated at byte");
    damages.put("UPDATE snaps SET entries = -1 WHERE step_id = 'count'", "malformed");
    damages.put("UPDATE snaps SET chunk = X'FFFFFFFFFFFF' WHERE step_id = 'count'", "length too long");
    damages.put("UPDATE snaps SET chunk = X'' WHERE step_id = 'count'", "truncated at byte 0");
    int n = 0;
    for (Map.Entry<String, String> damage : damages.entrySet()) {
      Path dir = copy(good, tmp.resolve("damaged-" + n++));
      Path part = partitionWith(dir, "count");
      update(part, damage.getKey());
      assertThatThrownBy(() -> r.withRecovery(dir).run(countFlow("damaged", TestSource.of(Script.of("a:1", "b:2",
          "c:3", "a:4").endOfStream().then("a:5")), out)))
          .as(damage.getKey())
          .hasMessageContaining(part.getFileName().toString()).hasMessageContaining("corrupt")
          .hasMessageContaining("step 'count'").hasMessageContaining(damage.getValue());
      assertThat(out.items()).as("nothing written by a run that refused its store").isEmpty();
      assertThatThrownBy(() -> RecoveryStore.inspect(dir)).as("inspect, " + damage.getKey())
          .hasMessageContaining(part.getFileName().toString()).hasMessageContaining(damage.getValue());
    }

    // a well-formed chunk whose state bytes are garbage: the serde refuses them, naming the step
    Path dir = copy(good, tmp.resolve("garbled-state"));
    Path part = partitionWith(dir, "count");
    try (java.sql.Connection c = RecoveryFiles.connect(part); java.sql.Statement st = c.createStatement();
        java.sql.ResultSet rs = st.executeQuery("SELECT rowid, chunk, entries FROM snaps WHERE step_id = 'count'")) {
      List<Object[]> rows = new ArrayList<>();
      while (rs.next()) {
        RecoveryFiles.ChunkReader reader = new RecoveryFiles.ChunkReader(rs.getBytes(2), rs.getInt(3), "count", null, 0);
        RecoveryFiles.ChunkWriter writer = new RecoveryFiles.ChunkWriter();
        while (reader.next()) {
          writer.add(reader.key(), reader.asciiStringKey() ? null : reader.keyClass(), reader.serKey(),
              reader.discarded() ? null : new byte[] {(byte) 0xEE, 0x11, 0x7F});
        }
        rows.add(new Object[] {writer.take(), rs.getLong(1)});
      }
      for (Object[] row : rows) {
        try (java.sql.PreparedStatement ps = c.prepareStatement("UPDATE snaps SET chunk = ? WHERE rowid = ?")) {
          ps.setBytes(1, (byte[]) row[0]);
          ps.setLong(2, (Long) row[1]);
          ps.executeUpdate();
        }
      }
    }
    assertThatThrownBy(() -> r.withRecovery(dir).run(countFlow("damaged", TestSource.of("a:1"), out)))
        .hasMessageContaining("'count'").hasMessageContaining("reading its snapshots back");
    assertThat(out.items()).isEmpty();
  }

  /**
   * A partition file cut short (a disk that filled up, a copy that stopped): a clear error naming
   * the file, never a fresh start.
   */
  @Test
  void aTruncatedPartitionFileIsAClearErrorNamingIt(@TempDir Path dir) throws Exception {
    DataflowRunner r = DataflowRunner.withWorkers(1).withConfig(c -> c.withEpochInterval(Duration.ZERO));
    List<String> items = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      items.add("k" + i + ":" + "v".repeat(200));
    }
    r.withRecovery(dir).run(countFlow("truncated", TestSource.ofAll(items).withBatchSize(10), new TestSink<>()));
    Path part = partitionWith(dir, "count");
    long size = java.nio.file.Files.size(part);
    assertThat(size).isGreaterThan(16_384);
    try (var ch = java.nio.channels.FileChannel.open(part, java.nio.file.StandardOpenOption.WRITE)) {
      ch.truncate(size / 2);
    }
    TestSink<KV<String, Long>> out = new TestSink<>();
    assertThatThrownBy(() -> r.withRecovery(dir).run(countFlow("truncated", TestSource.ofAll(items), out)))
        .hasMessageContaining("malformed").hasMessageContaining(part.getFileName().toString());
    assertThat(out.items()).isEmpty();
  }

  // ------------------------------------------------------------------ two runs on one store at once

  /**
   * A second run started on a store while the first still runs on it (an instance started twice, a
   * rolling restart): both would resume from the same epoch and write the same epoch numbers, so
   * their snapshots would interleave. The second run must be refused with a clear message.
   */
  @Test
    void aSecondRunOnAStoreInUseIsRefused(@TempDir Path dir) throws Exception {
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    Dataflow first = new Dataflow("shared");
    TestSink<KV<String, Long>> firstOut = new TestSink<>();
    first.input("in", TestSource.of("a:1", "a:2", "a:3", "a:4", "a:5").withBatchSize(1))
        .map("hold", s -> {
          try {
            if (s.equals("a:4") && !release.await(20, java.util.concurrent.TimeUnit.SECONDS)) {
              throw new IllegalStateException("the test never released a:4");
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
          }
          return s;
        })
        .keyOn("key", s -> s.substring(0, s.indexOf(':')))
        .<Long, Long>statefulMap("count", (state, v) -> {
          long n = state.get() == null ? 1 : state.get() + 1;
          state.set(n);
          return n;
        })
        .output("out", firstOut);
    DataflowRunner r = DataflowRunner.withWorkers(1).withConfig(c -> c.withEpochInterval(Duration.ZERO))
        .withRecovery(dir);
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newSingleThreadExecutor();
    try {
      java.util.concurrent.Future<TestRun> running = pool.submit(() -> r.run(first));
      org.awaitility.Awaitility.await("the first run's first epochs complete").atMost(Duration.ofSeconds(20))
          .until(() -> RecoveryStore.inspect(dir).newestCompleteEpoch() >= 2);
      Dataflow second = new Dataflow("shared");
      second.input("in", TestSource.of("a:1", "a:2", "a:3", "a:4", "a:5").withBatchSize(1))
          .map("hold", s -> s)
          .keyOn("key", s -> s.substring(0, s.indexOf(':')))
          .<Long, Long>statefulMap("count", (state, v) -> {
            long n = state.get() == null ? 1 : state.get() + 1;
            state.set(n);
            return n;
          })
          .output("out", new TestSink<>());
      try {
        assertThatThrownBy(() -> r.run(second)).hasMessageContaining(dir.toString()).hasMessageContaining("in use");
      } finally {
        release.countDown();
      }
      assertThat(running.get(20, java.util.concurrent.TimeUnit.SECONDS).output(firstOut).items())
          .containsExactly(KV.of("a", 1L), KV.of("a", 2L), KV.of("a", 3L), KV.of("a", 4L), KV.of("a", 5L));
    } finally {
      release.countDown();
      pool.shutdown();
      assertThat(pool.awaitTermination(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    }
  }

  // ------------------------------------------------------------------ sluice recovery inspect

  /** `sluice recovery inspect` after crashes, a rescale and a continuation: the epochs and keys per step. */
  @Test
  void inspectPrintsTheStoreAfterCrashesRescalesAndAContinuation(@TempDir Path dir) {
    DataflowRunner r = DataflowRunner.withWorkers(2).withConfig(c -> c.withEpochInterval(Duration.ZERO));
    r.withRecovery(dir).runUntilCrash(fourSteps(sixty(), new TestSink<>(), new TestSink<>(), new TestSink<>()),
        Crash.whenStepSeesItemNumber("count", 20));
    long afterCrash = RecoveryStore.inspect(dir).newestCompleteEpoch();
    r.atWorkers(3).withRecovery(dir).run(fourSteps(sixty(), new TestSink<>(), new TestSink<>(), new TestSink<>()));
    RecoveryStore.Info info = RecoveryStore.inspect(dir);
    assertThat(info.newestCompleteEpoch()).isGreaterThan(afterCrash);
    // what `sluice recovery inspect DIR` prints (Cli needs picocli, which the testkit leaves out)
    assertThat(info.describe())
        .contains("recovery store " + dir + ": 4 partitions, flow 'four'")
        .contains("resumes from epoch " + info.newestCompleteEpoch())
        .contains("step 'count': 7 keys", "step 'sum': 3 keys", "step 'fold': 7 keys", "step 'in': 3 keys");
    // reduceFinal's state lives in its own step; every stateful step of the flow is listed
    assertThat(info.keysPerStep()).containsKeys("max");
    assertThatThrownBy(() -> RecoveryStore.inspect(dir.resolve("nothing"))).hasMessageContaining("does not exist");
  }

  // ------------------------------------------------------------------ every configuration

  static Stream<Crash> midRun() {
    return Stream.of(Crash.whenStepSeesItemNumber("sum", 25));
  }

  /**
   * The four-step flow (a running count, a running sum after a second exchange, a fold and a
   * reduce at the end) crashed at 1, 2, 4 workers and 2 processes and resumed in one process and
   * in two: every running count written, the same final sums, folds and maxima.
   */
  @io.sluice.testkit.DataflowTest(workers = {1, 2, 4}, processes = {1, 2})
  @io.sluice.testkit.CrashPoints("midRun")
  @io.sluice.testkit.ResumeWith(workers = 3, processes = {1, 2})
  void fourStatefulStepsResumeAtEveryConfiguration(DataflowRunner runner, io.sluice.testkit.RecoveryScenario scenario) {
    DataflowRunner r = runner.withConfig(c -> c.withEpochInterval(Duration.ZERO));
    TestSink<KV<String, Long>> refCounts = new TestSink<>();
    TestSink<KV<String, Long>> refSums = new TestSink<>();
    TestSink<KV<String, String>> refFinals = new TestSink<>();
    TestRun reference = r.run(fourSteps(sixty(), refCounts, refSums, refFinals));
    TestSink<KV<String, Long>> counts = new TestSink<>();
    TestSink<KV<String, Long>> sums = new TestSink<>();
    CrashedRun crashed = scenario.runUntilCrash(r, fourSteps(sixty(), counts, sums, new TestSink<>()));
    TestSink<KV<String, Long>> counts2 = new TestSink<>();
    TestSink<KV<String, Long>> sums2 = new TestSink<>();
    TestSink<KV<String, String>> finals = new TestSink<>();
    TestRun resumed = scenario.resume(r, fourSteps(sixty(), counts2, sums2, finals));
    assertThat(scenario.compare(reference.output(refCounts), crashed.output(counts), resumed.output(counts2)))
        .lostNothing().duplicatedOnlyAfterTheSnapshot().endsInTheSameStateAsTheUninterruptedRun();
    assertThat(scenario.compare(reference.output(refSums), crashed.output(sums), resumed.output(sums2)))
        .endsInTheSameStateAsTheUninterruptedRun();
    assertThat(resumed.output(finals).items()).containsExactlyInAnyOrderElementsOf(reference.output(refFinals).items());
  }

  /** A key type the flow did not register: keys are serialized by the store's writer, the error still names step and type. */
  @Test
  void anUnregisteredKeyTypeIsAClearErrorNamingTheStepAndTheType(@TempDir Path dir) {
    Dataflow flow = new Dataflow("unregistered-key");
    flow.input("in", TestSource.of(1, 2, 3))
        .keyOn("key", i -> new Pair(i, "k"))
        .<Long, Long>statefulMap("count", (state, v) -> {
          state.set(1L);
          return 1L;
        })
        .output("out", new TestSink<>());
    assertThatThrownBy(() -> DataflowRunner.withWorkers(1).withRecovery(dir).run(flow))
        .hasMessageContaining("'count'").hasMessageContaining("registerTypes")
        .hasMessageContaining(Pair.class.getName().replace('$', '.'));
  }

  // ------------------------------------------------------------------ object graphs in states

  /** A state whose two fields are the same list: what one adds, the other shows. */
  static final class Shared implements java.io.Serializable {
    ArrayList<String> all = new ArrayList<>();
    ArrayList<String> view = all;
  }

  static Dataflow sharedFlow(TestSink<KV<String, String>> out) {
    Dataflow flow = new Dataflow("shared-state").registerTypes(Shared.class);
    flow.input("in", TestSource.of(Script.of("a:1", "a:2", "a:3").endOfStream().then("a:4", "a:5")).withBatchSize(1))
        .keyOn("key", s -> s.substring(0, 1))
        .statefulMap("remember", Shared::new, (state, v) -> {
          Shared sh = state.get();
          sh.all.add(v);
          state.set(sh);
          return sh.all.size() + "/" + sh.view.size();
        })
        .output("out", out);
    return flow;
  }

  /**
   * A state with a shared object (two fields holding one list) behaves the same after a resume:
   * the snapshot keeps the sharing, as Java serialization would.
   */
  @Test
    void aStateWithASharedObjectKeepsTheSharingAcrossAResume(@TempDir Path dir) {
    TestSink<KV<String, String>> first = new TestSink<>();
    DataflowRunner r = DataflowRunner.withWorkers(1).withRecovery(dir);
    assertThat(r.run(sharedFlow(first)).output(first).items()).containsExactly(KV.of("a", "1/1"), KV.of("a", "2/2"),
        KV.of("a", "3/3"));
    TestSink<KV<String, String>> next = new TestSink<>();
    assertThat(r.run(sharedFlow(next)).output(next).items()).containsExactly(KV.of("a", "4/4"), KV.of("a", "5/5"));
  }

  // ------------------------------------------------------------------ many keys: several chunks per epoch

  /** Per key, the latest value (1,000 chars), and the count of values seen as output. */
  static Dataflow latestFlow(TestSource<String> source, TestSink<KV<String, Integer>> out) {
    Dataflow flow = new Dataflow("latest");
    flow.input("in", source)
        .keyOn("key", s -> s.substring(0, s.indexOf(':')))
        .statefulMap("latest", () -> "", (state, v) -> {
          int n = state.get().isEmpty() ? 1 : Integer.parseInt(state.get().substring(0, state.get().indexOf('|'))) + 1;
          state.set(n + "|" + v);
          return n;
        })
        .output("out", out);
    return flow;
  }

  /**
   * 3,000 keys with 1 KB states in a store of one recovery partition: the first run ends at the end
   * of its input and compacts them into several chunks of one step and epoch; a continuation
   * changes every key again, then half of them, and crashes; a third run resumes every key from its
   * newest entry, at another worker count. (Each run at its own worker count: see
   * {@link #aContinuedRunThatCrashesResumesOnlyFromAnEpochEveryWorkerWrote}.)
   */
  @Test
  void manyKeysInSeveralChunksOfOneEpochResumeFromTheNewest(@TempDir Path dir, @TempDir Path refDir) throws Exception {
    List<List<String>> parts = List.of(new ArrayList<>(), new ArrayList<>());
    List<List<String>> later = List.of(new ArrayList<>(), new ArrayList<>());
    for (int round = 0; round < 3; round++) {
      for (int k = 0; k < 3000; k += round == 2 ? 2 : 1) {
        (round == 0 ? parts : later).get(k % 2).add(String.format("k%04d:%d:", k, round) + "x".repeat(1000));
      }
    }
    TestSource<String> src = TestSource.<String>builder().batchSize(750)
        .partition("p0", Script.ofAll(parts.get(0)).endOfStream().thenAll(later.get(0)))
        .partition("p1", Script.ofAll(parts.get(1)).endOfStream().thenAll(later.get(1)))
        .build();
    RecoveryStore.init(dir, 1);
    DataflowRunner r = DataflowRunner.withWorkers(1).withConfig(c -> c.withEpochInterval(Duration.ZERO));
    r.withRecovery(refDir).run(latestFlow(src, new TestSink<>()));
    TestSink<KV<String, Integer>> ref = new TestSink<>();
    SinkOutput<KV<String, Integer>> reference = r.atWorkers(2).withRecovery(refDir).run(latestFlow(src, ref)).output(ref);

    r.withRecovery(dir).run(latestFlow(src, new TestSink<>()));
    try (java.sql.Connection c = RecoveryFiles.connect(dir.resolve("part-0.sqlite3"));
        java.sql.Statement st = c.createStatement(); java.sql.ResultSet rs = st.executeQuery(
            "SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM snaps WHERE step_id = 'latest' GROUP BY snap_epoch)")) {
      assertThat(rs.next() ? rs.getLong(1) : 0).as("several chunks of one step and epoch").isGreaterThan(1);
    }
    TestSink<KV<String, Integer>> before = new TestSink<>();
    CrashedRun crashed = r.atWorkers(2).withRecovery(dir).runUntilCrash(latestFlow(src, before),
        Crash.whenStepSeesItemNumber("latest", 3500));
    long resumeEpoch = RecoveryStore.inspect(dir).newestCompleteEpoch();
    TestSink<KV<String, Integer>> after = new TestSink<>();
    TestRun resumed = r.atWorkers(3).withRecovery(dir).run(latestFlow(src, after));
    assertThat(RecoveryRun.of(reference, crashed.output(before), resumeEpoch, resumed.output(after)))
        .lostNothing().duplicatedOnlyAfterTheSnapshot().endsInTheSameStateAsTheUninterruptedRun();
    assertThat(RecoveryStore.inspect(dir).keysPerStep()).containsEntry("latest", 3000L);
  }

  // ------------------------------------------------------------------ immutable states serialized by the writer

  /** An enum whose constants have bodies: each constant is an anonymous subclass. */
  enum Op {
    ADD { @Override long apply(long a, long b) { return a + b; } },
    MUL { @Override long apply(long a, long b) { return a * b; } };

    abstract long apply(long a, long b);
  }

  static final Map<String, Object> SAMPLES = new LinkedHashMap<>();

  static {
    SAMPLES.put("string", "päivää ☃");
    SAMPLES.put("long", Long.MIN_VALUE);
    SAMPLES.put("int", -7);
    SAMPLES.put("double", -0.0);
    SAMPLES.put("float", Float.NaN);
    SAMPLES.put("short", (short) 300);
    SAMPLES.put("byte", (byte) -1);
    SAMPLES.put("char", 'ß');
    SAMPLES.put("boolean", true);
    SAMPLES.put("bigdecimal", new java.math.BigDecimal("-12345678901234567890.000100"));
    SAMPLES.put("biginteger", new java.math.BigInteger("123456789012345678901234567890"));
    SAMPLES.put("uuid", new java.util.UUID(-1, 42));
    SAMPLES.put("instant", Instant.parse("1969-12-31T23:59:59.999999999Z"));
    SAMPLES.put("duration", Duration.ofNanos(-1));
    SAMPLES.put("localdate", java.time.LocalDate.of(-44, 3, 15));
    SAMPLES.put("localdatetime", java.time.LocalDateTime.of(2026, 11, 30, 9, 0, 0, 1));
    SAMPLES.put("localtime", java.time.LocalTime.MAX);
    SAMPLES.put("zoned", java.time.ZonedDateTime.of(2026, 3, 29, 2, 30, 0, 0, java.time.ZoneId.of("Europe/Helsinki")));
    SAMPLES.put("offset", java.time.OffsetDateTime.of(2026, 1, 1, 0, 0, 0, 0, java.time.ZoneOffset.ofHours(-9)));
    SAMPLES.put("zoneoffset", java.time.ZoneOffset.ofHoursMinutes(5, 45));
    SAMPLES.put("enum", Color.BLUE);
    SAMPLES.put("enum-with-body", Op.MUL);
  }

  static Dataflow samplesFlow(TestSource<String> source, TestSink<KV<String, String>> out) {
    Dataflow flow = new Dataflow("samples").registerTypes(Color.class, Op.class);
    flow.input("in", source)
        .keyOn("key", s -> s)
        .statefulMap("keep", (io.sluice.dataflow.ValueState<Object> state, String v) -> {
          if (state.get() == null) {
            state.set(SAMPLES.get(v));
            return "set";
          }
          return state.get().getClass().getName() + " " + state.get();
        })
        .output("out", out);
    return flow;
  }

  /** States of every immutable JDK type the writer thread serializes later, and enums with bodies, resume equal. */
  @Test
  void immutableStatesOfEveryKindResumeEqual(@TempDir Path dir) {
    List<String> keys = List.copyOf(SAMPLES.keySet());
    TestSource<String> src = TestSource.of(Script.ofAll(keys).endOfStream().thenAll(keys));
    DataflowRunner r = DataflowRunner.withWorkers(2).withRecovery(dir);
    r.run(samplesFlow(src, new TestSink<>()));
    TestSink<KV<String, String>> next = new TestSink<>();
    Map<String, String> expected = new LinkedHashMap<>();
    SAMPLES.forEach((k, v) -> expected.put(k, v.getClass().getName() + " " + v));
    assertThat(lastPerKey(r.run(samplesFlow(src, next)).output(next).items())).containsExactlyInAnyOrderEntriesOf(expected);
  }

  // ------------------------------------------------------------------ huge keys, unusual partition names

  /**
   * Keys larger than a chunk (1.5 MB, ASCII and not) and source partitions with non-ASCII and
   * empty-looking names go on after the end of the input at another worker count.
   */
  @Test
  void keysLargerThanAChunkAndUnusualPartitionNamesResume(@TempDir Path dir) {
    String ascii = "x".repeat(1_500_000);
    String other = "ü".repeat(800_000);
    TestSource<String> src = TestSource.<String>builder().batchSize(1)
        .partition("päivää", Script.of(ascii + ":1", other + ":2").endOfStream().then(ascii + ":3"))
        .partition(" ", Script.of(other + ":4", "s:5").endOfStream().then(other + ":6", "s:7"))
        .build();
    DataflowRunner r = DataflowRunner.withWorkers(2).withRecovery(dir);
    TestSink<KV<String, Long>> first = new TestSink<>();
    r.run(countFlow("huge", src, first));
    assertThat(RecoveryStore.inspect(dir).keysPerStep()).containsEntry("count", 3L).containsEntry("in", 2L);
    TestSink<KV<String, Long>> next = new TestSink<>();
    List<KV<String, Long>> items = r.atWorkers(3).run(countFlow("huge", src, next)).output(next).items();
    assertThat(items).hasSize(3).contains(KV.of(ascii, 2L), KV.of("s", 2L)).contains(KV.of(other, 3L));
  }

  // ------------------------------------------------------------------ a serde that writes defaults as no bytes

  /**
   * A compact serde in the style of Protocol Buffers, which writes a default value (here the
   * Integer 0) as no bytes at all; everything else through Java serialization.
   */
  static final class DefaultsAsNoBytesSerde implements io.sluice.serde.Serde {
    private final io.sluice.serde.JavaSerde java = new io.sluice.serde.JavaSerde();

    @Override
    public byte[] serialize(Object item) {
      return Integer.valueOf(0).equals(item) ? new byte[0] : java.serialize(item);
    }

    @Override
    public Object deserialize(byte[] bytes) {
      return bytes.length == 0 ? Integer.valueOf(0) : java.deserialize(bytes);
    }
  }

  /**
   * With the run's own serde ({@link io.sluice.run.RunConfig#withSerde}), a key that it writes as
   * no bytes (Integer 0, as Protocol Buffers writes a default) must come back as that key, not as
   * the ASCII string of its routing bytes.
   */
  @Test
    void aKeyThatTheSerdeWritesAsNoBytesResumesAsItself(@TempDir Path dir) {
    Dataflow flow = new Dataflow("defaults");
    TestSink<KV<Integer, Long>> out = new TestSink<>();
    flow.input("in", TestSource.of(Script.of(0, 1, 0).endOfStream().then(0, 1)))
        .keyOn("key", i -> i)
        .<Long, Long>statefulMap("count", (state, v) -> {
          long n = state.get() == null ? 1 : state.get() + 1;
          state.set(n);
          return n;
        })
        .output("out", out);
    DataflowRunner r = DataflowRunner.withWorkers(1).withConfig(c -> c.withSerde(new DefaultsAsNoBytesSerde()))
        .withRecovery(dir);
    assertThat(r.run(flow).output(out).items()).containsExactlyInAnyOrder(KV.of(0, 1L), KV.of(1, 1L), KV.of(0, 2L));
    assertThat(r.run(flow).output(out).items()).containsExactlyInAnyOrder(KV.of(0, 3L), KV.of(1, 2L));
  }

  // ------------------------------------------------------------------ continuation, many times

  /**
   * Four runs, each after the previous one's end of input, at 1, 3, 2 and 4 workers: each reads
   * exactly the input behind the previous end (three partitions), and the counts go on.
   */
  @Test
  void continuationAfterTheEndOfInputFourTimesAtChangingWorkerCounts(@TempDir Path dir) {
    TestSource.Builder<String> b = TestSource.<String>builder().batchSize(2);
    for (String p : List.of("p0", "p1", "p2")) {
      Script<String> s = Script.of();
      for (int run = 0; run < 4; run++) {
        for (int i = 0; i < 5; i++) {
          s = s.then("abcd".charAt((i + run) % 4) + ":" + p + "-" + run + "-" + i);
        }
        s = run < 3 ? s.endOfStream() : s;
      }
      b.partition(p, s);
    }
    TestSource<String> src = b.build();
    int[] workers = {1, 3, 2, 4};
    Map<String, Long> total = new TreeMap<>();
    for (int run = 0; run < 4; run++) {
      TestSink<KV<String, Long>> out = new TestSink<>();
      List<KV<String, Long>> items = DataflowRunner.withWorkers(workers[run]).withRecovery(dir)
          .run(countFlow("again", src, out)).output(out).items();
      assertThat(items).as("run %d", run).hasSize(15);
      Map<String, Long> last = lastPerKey(items);
      for (KV<String, Long> kv : items) {
        total.merge(kv.key(), 1L, Long::sum);
      }
      assertThat(last).as("run %d: the counts go on", run).isEqualTo(total);
    }
    assertThat(RecoveryStore.inspect(dir).keysPerStep()).containsEntry("count", 4L).containsEntry("in", 3L);
  }

  // ------------------------------------------------------------------ a crash between the end-of-input snapshot and onEof

  static Dataflow totalsFlow(TestSource<String> source, TestSink<KV<String, String>> out) {
    Dataflow flow = new Dataflow("totals");
    flow.input("in", source)
        .keyOn("key", s -> s.substring(0, s.indexOf(':')))
        .foldFinal("total", () -> "", (acc, v) -> acc.isEmpty() ? v : acc + "," + v)
        .output("out", out);
    return flow;
  }

  /**
   * The end of input closes the last epoch and snapshots it before onEof emits the final folds. A
   * crash right after that close (the snapshot complete, the folds not yet written) must not lose
   * the folds: the resumed run has to emit them, as it would if the crash had come before the
   * snapshot (then it reads the end of input again).
   */
  @Test
  void aCrashBetweenTheEndOfInputSnapshotAndOnEofLosesNoFinalResult(@TempDir Path dir, @TempDir Path refDir) {
    TestSource<String> src = TestSource.of(Script.of("a:1", "b:2", "a:3").endOfStream().then("a:4")).withBatchSize(1);
    DataflowRunner r = DataflowRunner.withWorkers(1).withConfig(c -> c.withEpochInterval(Duration.ZERO));
    TestSink<KV<String, String>> ref = new TestSink<>();
    List<KV<String, String>> reference = new ArrayList<>(r.withRecovery(refDir).run(totalsFlow(src, ref)).output(ref)
        .items());
    long lastEpoch = RecoveryStore.inspect(refDir).newestCompleteEpoch();
    reference.addAll(r.withRecovery(refDir).run(totalsFlow(src, ref)).output(ref).items());
    assertThat(reference).containsExactlyInAnyOrder(KV.of("a", "a:1,a:3"), KV.of("b", "b:2"), KV.of("a", "a:1,a:3,a:4"),
        KV.of("b", "b:2"));

    TestSink<KV<String, String>> out = new TestSink<>();
    CrashedRun crashed = r.withRecovery(dir).runUntilCrash(totalsFlow(src, out), Crash.atCloseOfEpoch(lastEpoch));
    List<KV<String, String>> written = new ArrayList<>(crashed.items(out));
    long resumeEpoch = RecoveryStore.inspect(dir).newestCompleteEpoch();
    written.addAll(r.withRecovery(dir).run(totalsFlow(src, out)).output(out).items());
    assertThat(resumeEpoch).as("the end of input's epoch completes only after onEof").isLessThan(lastEpoch);
    // the resumed run ends at the first end of input again; one more run continues with a:4, as the reference's second
    written.addAll(r.withRecovery(dir).run(totalsFlow(src, out)).output(out).items());
    assertThat(written).as("resumed from epoch %d of %d", resumeEpoch, lastEpoch).containsAll(reference);
  }

  // ------------------------------------------------------------------ unusual directory names

  /** A recovery directory whose name has spaces, '?', '#', '%' and non-ASCII: the store is there, and resumes. */
  @Test
  void aRecoveryDirectoryWithUnusualCharactersHoldsTheStore(@TempDir Path tmp) throws Exception {
    Path dir = tmp.resolve("store ?mode=memory#x %20 ü");
    TestSource<String> src = TestSource.of(Script.of("a:1", "b:2").endOfStream().then("a:3"));
    DataflowRunner r = DataflowRunner.withWorkers(1).withRecovery(dir);
    r.run(countFlow("weird", src, new TestSink<>()));
    try (var files = java.nio.file.Files.list(tmp)) {
      assertThat(files.map(f -> f.getFileName().toString()).toList()).as("nothing written beside the directory")
          .containsExactly(dir.getFileName().toString());
    }
    assertThat(RecoveryStore.inspect(dir).keysPerStep()).containsEntry("count", 2L);
    TestSink<KV<String, Long>> next = new TestSink<>();
    assertThat(r.run(countFlow("weird", src, next)).output(next).items()).containsExactly(KV.of("a", 2L));
  }
}
