package io.sluice.windowing;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.JoinInsertMode;
import io.sluice.dataflow.JoinMode;
import io.sluice.dataflow.KV;
import io.sluice.dataflow.KeyedStream;
import io.sluice.testkit.DataflowRunner;
import io.sluice.testkit.DataflowTest;
import io.sluice.testkit.TestRun;
import io.sluice.testkit.TestSink;
import io.sluice.testkit.TestSource;
import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * Bytewax's window semantics through the real engine, at 1, 2 and 4 workers in one and two
 * processes, including the late and meta streams. Every flow reads one partition, so each key's
 * items reach its window step in script order; output is compared per key, in order.
 *
 * <p>These tests use event time and close windows by item timestamps and end of stream. Margins
 * are whole seconds or minutes, so the few milliseconds of system time a run takes (which the
 * EventClock adds to the watermark when time is not virtual) cannot change the outcome.
 */
@DataflowTest(workers = {1, 2, 4}, processes = {1, 2})
class WindowingTest {
  static final Instant ALIGN = Instant.parse("2023-03-16T09:00:00Z");

  /** An event: key, seconds after {@link #ALIGN}, a value. */
  record Ev(String key, long sec, String value) implements Serializable {
    Instant ts() {
      return ALIGN.plusSeconds(sec);
    }
  }

  static Ev ev(String key, long sec, String value) {
    return new Ev(key, sec, value);
  }

  static final Clock<Ev> EVENT_CLOCK = new EventClock<>(Ev::ts, Duration.ZERO);

  static long sec(Instant t) {
    return Duration.between(ALIGN, t).getSeconds();
  }

  /** down: "key w<id> <value>", late: "late key w<id> <value>", meta: "meta key w<id> <open>..<close> <merged>". */
  static <W> Dataflow flow(String name, List<Ev> events, Function<KeyedStream<String, Ev>, WindowOut<String, Ev, W>> op,
      Function<W, String> show, TestSink<String> out) {
    return flow(name, events, op, show, out, TestSource.ofAll(events));
  }

  static <W> Dataflow flow(String name, List<Ev> events, Function<KeyedStream<String, Ev>, WindowOut<String, Ev, W>> op,
      Function<W, String> show, TestSink<String> out, TestSource<Ev> source) {
    Dataflow flow = new Dataflow(name).registerTypes(Ev.class);
    KeyedStream<String, Ev> keyed = flow.input("in", source).keyOn("key", Ev::key);
    WindowOut<String, Ev, W> w = op.apply(keyed);
    w.down().map("show-down", kv -> kv.key() + " w" + kv.value().windowId() + " " + show.apply(kv.value().value()))
        .merge("all", w.late().map("show-late", kv -> "late " + kv.key() + " w" + kv.value().windowId() + " "
                + kv.value().value().value()),
            w.meta().map("show-meta", kv -> "meta " + kv.key() + " w" + kv.value().windowId() + " "
                + sec(kv.value().value().openTime()) + ".." + sec(kv.value().value().closeTime())
                + (kv.value().value().mergedIds().isEmpty() ? "" : " merged" + kv.value().value().mergedIds())))
        .output("out", out);
    return flow;
  }

  static String values(List<Ev> evs) {
    return evs.stream().map(Ev::value).toList().toString();
  }

  /**
   * The lines about {@code key}: its down lines, then its late lines, then its meta lines, each in
   * the order they were written (the three streams are separate steps, so only the order within
   * each is defined).
   */
  static List<String> linesOf(List<String> all, String key) {
    List<String> out = new java.util.ArrayList<>();
    all.stream().filter(l -> l.startsWith(key + " ")).forEach(out::add);
    all.stream().filter(l -> l.startsWith("late " + key + " ")).forEach(out::add);
    all.stream().filter(l -> l.startsWith("meta " + key + " ")).forEach(out::add);
    return out;
  }

  @DataflowTest
  void tumblingWindowsStartAtAlignToAndCloseWhenTheWatermarkReachesTheirEnd(DataflowRunner runner) {
    List<Ev> events = List.of(
        ev("a", 0, "a1"), ev("b", 60, "b1"), ev("c", -1, "c1"), ev("a", 300, "a2"), ev("a", 599, "a3"),
        ev("c", 0, "c2"), ev("a", 600, "a4"), ev("b", 1300, "b2"), ev("a", 1250, "a5"));
    TestSink<String> out = new TestSink<>();
    TestRun run = runner.run(flow("tumbling", events,
        k -> k.collectWindow("win", EVENT_CLOCK, Windower.tumbling(Duration.ofMinutes(10), ALIGN)),
        WindowingTest::values, out));
    List<String> lines = run.items(out);
    // w0 closed by a4 (watermark 600 reaches its end), w1 by a5, w2 at the end of the input
    assertThat(linesOf(lines, "a")).containsExactly("a w0 [a1, a2, a3]", "a w1 [a4]", "a w2 [a5]",
        "meta a w0 0..600", "meta a w1 600..1200", "meta a w2 1200..1800");
    assertThat(linesOf(lines, "b")).containsExactly(
        "b w0 [b1]", "b w2 [b2]", "meta b w0 0..600", "meta b w2 1200..1800");
    assertThat(linesOf(lines, "c")).containsExactly( // one second before alignTo is window -1
        "c w-1 [c1]", "c w0 [c2]", "meta c w-1 -600..0", "meta c w0 0..600");
    assertThat(lines).hasSize(14);
  }

  @DataflowTest
  void slidingWindowsOverlapSoAnItemCountsInEachOfItsWindows(DataflowRunner runner) {
    List<Ev> events = List.of(ev("a", 120, "x"), ev("a", 420, "y"), ev("a", 720, "z"));
    TestSink<String> out = new TestSink<>();
    TestRun run = runner.run(flow("sliding", events,
        k -> k.countWindow("win", EVENT_CLOCK, Windower.sliding(Duration.ofMinutes(10), Duration.ofMinutes(5), ALIGN)),
        String::valueOf, out));
    assertThat(linesOf(run.items(out), "a")).containsExactly("a w-1 1", "a w0 2", "a w1 2", "a w2 1",
        "meta a w-1 -300..300", "meta a w0 0..600", "meta a w1 300..900", "meta a w2 600..1200");
  }

  @DataflowTest
  void sessionsGrowWithinTheGapAndMergeWhenAnItemBridgesThem(DataflowRunner runner) {
    Clock<Ev> clock = new EventClock<>(Ev::ts, Duration.ofMinutes(10));
    List<Ev> events = List.of(
        ev("a", 0, "x"), ev("a", 480, "y"), ev("a", 240, "z"), ev("a", 1200, "w"),
        ev("b", 0, "b1"), ev("b", 301, "b2"),
        ev("c", 0, "c1"), ev("c", 300, "c2"),
        ev("d", 1200, "d1"), ev("d", 0, "d2"));
    TestSink<String> out = new TestSink<>();
    TestRun run = runner.run(flow("session", events,
        k -> Windowing.collectWindow(k, "win", clock, Windower.session(Duration.ofMinutes(5)), false),
        WindowingTest::values, out));
    List<String> lines = run.items(out);
    // z bridges x's and y's sessions: y's (id 1) merges into x's (id 0); w starts session 2
    assertThat(linesOf(lines, "a")).containsExactly(
        "a w0 [x, z, y]", "a w2 [w]", "meta a w0 0..480 merged[1]", "meta a w2 1200..1200");
    assertThat(linesOf(lines, "b")).containsExactly( // 301 s apart: more than the gap
        "b w0 [b1]", "b w1 [b2]", "meta b w0 0..0", "meta b w1 301..301");
    assertThat(linesOf(lines, "c")).containsExactly("c w0 [c1, c2]", "meta c w0 0..300"); // exactly the gap
    assertThat(linesOf(lines, "d")).containsExactly( // 20 min behind with a 10 min wait: late
        "d w0 [d1]", "late d w-1 d2", "meta d w0 1200..1200");
  }

  @DataflowTest
  void lateItemsGoToTheLateStreamWithTheWindowTheyMissedAndAreNotCounted(DataflowRunner runner) {
    List<Ev> events = List.of(
        ev("a", 700, "a1"), ev("a", 100, "a-late"), ev("a", 650, "a-late2"), ev("a", 720, "a2"),
        ev("b", 10, "b1"));
    TestSink<String> out = new TestSink<>();
    TestRun run = runner.run(flow("late", events,
        k -> k.countWindow("win", EVENT_CLOCK, Windower.tumbling(Duration.ofMinutes(10), ALIGN)),
        String::valueOf, out));
    List<String> lines = run.items(out);
    assertThat(linesOf(lines, "a")).containsExactly(
        "a w1 2", "late a w0 a-late", "late a w1 a-late2", "meta a w1 600..1200");
    assertThat(linesOf(lines, "b")).containsExactly("b w0 1", "meta b w0 0..600");
  }

  @DataflowTest
  void everyWindowClosesAtTheEndOfTheInput(DataflowRunner runner) {
    Clock<Ev> clock = new EventClock<>(Ev::ts, Duration.ofDays(1)); // the watermark never reaches a close
    List<Ev> events = List.of(ev("a", 0, "1"), ev("a", 3600, "2"), ev("b", 7200, "3"));
    TestSink<String> out = new TestSink<>();
    TestRun run = runner.run(flow("eof", events,
        k -> k.collectWindow("win", clock, Windower.tumbling(Duration.ofHours(1), ALIGN)),
        WindowingTest::values, out));
    assertThat(run.items(out)).containsExactlyInAnyOrder(
        "a w0 [1]", "meta a w0 0..3600", "a w1 [2]", "meta a w1 3600..7200", "b w2 [3]", "meta b w2 7200..10800");
  }

  @DataflowTest
  void orderedWindowsSeeValuesInTimestampOrder(DataflowRunner runner) {
    Clock<Ev> clock = new EventClock<>(Ev::ts, Duration.ofMinutes(5));
    List<Ev> events = List.of(ev("a", 200, "3rd"), ev("a", 100, "2nd"), ev("a", 50, "1st"), ev("a", 250, "4th"));
    TestSink<String> out = new TestSink<>();
    TestRun run = runner.run(flow("ordered", events,
        k -> k.collectWindow("win", clock, Windower.tumbling(Duration.ofMinutes(10), ALIGN)),
        WindowingTest::values, out));
    assertThat(run.items(out)).containsExactly("a w0 [1st, 2nd, 3rd, 4th]", "meta a w0 0..600");
  }

  @DataflowTest
  void foldReduceMaxAndMinPerWindow(DataflowRunner runner) {
    List<Ev> events = List.of(ev("a", 0, "5"), ev("a", 10, "9"), ev("a", 20, "2"), ev("a", 700, "4"));
    Windower tumbling = Windower.tumbling(Duration.ofMinutes(10), ALIGN);
    Comparator<Ev> byNumber = Comparator.comparingInt(e -> Integer.parseInt(e.value()));
    TestSink<String> max = new TestSink<>("max");
    runner.run(flow("max", events, k -> k.maxWindow("win", EVENT_CLOCK, tumbling, byNumber), Ev::value, max));
    assertThat(max.items()).filteredOn(l -> !l.startsWith("meta")).containsExactly("a w0 9", "a w1 4");
    TestSink<String> min = new TestSink<>("min");
    runner.run(flow("min", events, k -> k.minWindow("win", EVENT_CLOCK, tumbling, byNumber), Ev::value, min));
    assertThat(min.items()).filteredOn(l -> !l.startsWith("meta")).containsExactly("a w0 2", "a w1 4");
    TestSink<String> reduce = new TestSink<>("reduce");
    runner.run(flow("reduce", events, k -> k.reduceWindow("win", EVENT_CLOCK, tumbling,
        (x, y) -> ev(x.key(), y.sec(), x.value() + y.value())), Ev::value, reduce));
    assertThat(reduce.items()).filteredOn(l -> !l.startsWith("meta")).containsExactly("a w0 592", "a w1 4");
    TestSink<String> fold = new TestSink<>("fold");
    runner.run(flow("fold", events, k -> k.foldWindow("win", EVENT_CLOCK, tumbling, () -> 0,
        (Integer s, Ev e) -> s + Integer.parseInt(e.value()), Integer::sum), String::valueOf, fold));
    assertThat(fold.items()).filteredOn(l -> !l.startsWith("meta")).containsExactly("a w0 16", "a w1 4");
  }

  // ---------------------------------------------------------------- joinWindow

  static final Clock<Object> JOIN_CLOCK = new EventClock<>(v -> ((Ev) v).ts(), Duration.ZERO);

  /** Left side: values starting with L; right side: the others. One item per batch keeps script order. */
  static Dataflow joinFlow(List<Ev> events, JoinInsertMode insert, JoinMode emit, TestSink<String> out) {
    Dataflow flow = new Dataflow("join-window").registerTypes(Ev.class);
    var sides = flow.input("in", TestSource.ofAll(events).withBatchSize(1)).branch("side", e -> e.value().startsWith("L"));
    KeyedStream<String, Ev> left = sides.trues().keyOn("lk", Ev::key);
    KeyedStream<String, Ev> right = sides.falses().keyOn("rk", Ev::key);
    WindowOut<String, Object, io.sluice.dataflow.Joined<Ev, Ev>> w = left.joinWindow("join", JOIN_CLOCK,
        Windower.tumbling(Duration.ofMinutes(10), ALIGN), right, insert, emit);
    w.down().map("show", kv -> kv.key() + " w" + kv.value().windowId() + " "
            + name(kv.value().value().left()) + "+" + name(kv.value().value().right()))
        .merge("all", w.late().map("show-late", kv -> "late " + kv.key() + " " + ((Ev) kv.value().value()).value()),
            w.meta().map("show-meta", kv -> "meta " + kv.key() + " w" + kv.value().windowId()))
        .output("out", out);
    return flow;
  }

  static String name(Ev e) {
    return e == null ? "-" : e.value();
  }

  static final List<Ev> JOIN_EVENTS = List.of(
      ev("a", 0, "L1"), ev("a", 60, "L2"), ev("a", 120, "R1"), ev("a", 180, "R2"), ev("a", 240, "L3"),
      ev("b", 10, "L1"), ev("a", 700, "L4"), ev("a", 30, "R-late"));

  @DataflowTest
  void joinWindowCompleteEmitsOnceEverySideHasAValueThenStartsOverWithinTheWindow(DataflowRunner runner) {
    TestSink<String> out = new TestSink<>();
    runner.run(joinFlow(JOIN_EVENTS, JoinInsertMode.LAST, JoinMode.COMPLETE, out));
    assertThat(linesOf(out.items(), "a")).containsExactly(
        "a w0 L2+R1", "a w0 L3+R2", "late a R-late", "meta a w0", "meta a w1");
    assertThat(linesOf(out.items(), "b")).containsExactly("meta b w0");
  }

  @DataflowTest
  void joinWindowFinalEmitsWhenTheWindowCloses(DataflowRunner runner) {
    TestSink<String> out = new TestSink<>();
    runner.run(joinFlow(JOIN_EVENTS, JoinInsertMode.LAST, JoinMode.FINAL, out));
    assertThat(linesOf(out.items(), "a")).containsExactly(
        "a w0 L3+R2", "a w1 L4+-", "late a R-late", "meta a w0", "meta a w1");
    assertThat(linesOf(out.items(), "b")).containsExactly("b w0 L1+-", "meta b w0");
  }

  @DataflowTest
  void joinWindowRunningEmitsOnEveryValue(DataflowRunner runner) {
    TestSink<String> out = new TestSink<>();
    runner.run(joinFlow(JOIN_EVENTS, JoinInsertMode.LAST, JoinMode.RUNNING, out));
    assertThat(linesOf(out.items(), "a")).containsExactly(
        "a w0 L1+-", "a w0 L2+-", "a w0 L2+R1", "a w0 L2+R2", "a w0 L3+R2", "a w1 L4+-", "late a R-late",
        "meta a w0", "meta a w1");
  }

  @DataflowTest
  void joinWindowInsertFirstAndProduct(DataflowRunner runner) {
    TestSink<String> first = new TestSink<>("first");
    runner.run(joinFlow(JOIN_EVENTS, JoinInsertMode.FIRST, JoinMode.FINAL, first));
    assertThat(linesOf(first.items(), "a")).filteredOn(l -> l.startsWith("a w0")).containsExactly("a w0 L1+R1");
    TestSink<String> product = new TestSink<>("product");
    runner.run(joinFlow(JOIN_EVENTS, JoinInsertMode.PRODUCT, JoinMode.FINAL, product));
    assertThat(linesOf(product.items(), "a")).filteredOn(l -> l.startsWith("a w0")).containsExactly(
        "a w0 L1+R1", "a w0 L1+R2", "a w0 L2+R1", "a w0 L2+R2", "a w0 L3+R1", "a w0 L3+R2");
  }

  @DataflowTest
  void windowResultsAreKeyedLikeTheInput(DataflowRunner runner) {
    Dataflow flow = new Dataflow("keys").registerTypes(Ev.class);
    TestSink<KV<String, Windowed<Long>>> out = new TestSink<>();
    flow.input("in", TestSource.of(ev("a", 0, "1"), ev("b", 0, "2"), ev("a", 5, "3")))
        .keyOn("key", Ev::key)
        .countWindow("win", EVENT_CLOCK, Windower.tumbling(Duration.ofMinutes(1), ALIGN))
        .down().output("out", out);
    TestRun run = runner.run(flow);
    assertThat(run.items(out)).containsExactlyInAnyOrder(KV.of("a", new Windowed<>(0L, 2L)), KV.of("b", new Windowed<>(0L, 1L)));
  }
}
