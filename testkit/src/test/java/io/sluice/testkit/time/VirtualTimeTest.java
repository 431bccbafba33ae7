package io.sluice.testkit.time;

import static io.sluice.testkit.SluiceAssertions.assertThat;

import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.KV;
import io.sluice.dataflow.Retention;
import io.sluice.dataflow.StatefulLogic;
import io.sluice.testkit.DataflowRunner;
import io.sluice.testkit.DataflowTest;
import io.sluice.testkit.Script;
import io.sluice.testkit.TestRun;
import io.sluice.testkit.TestSink;
import io.sluice.testkit.TestSource;
import io.sluice.time.RunClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The testkit's virtual time: time moves only where a script advances it, every step sees the
 * smallest time all its inputs passed, and timers fire at the same points in every run, at every
 * worker and process count, with no real waiting.
 */
class VirtualTimeTest {
  static final Instant T0 = DataflowRunner.VIRTUAL_ORIGIN;

  @DataflowTest(workers = {1, 2, 4}, processes = {1, 2})
  void collectTimeoutsFireWhereTheScriptAdvancesTime(DataflowRunner runner) {
    TestSink<KV<String, List<String>>> out = new TestSink<>();
    Dataflow flow = new Dataflow("collect-virtual");
    flow.input("in", TestSource.of(Script.of("a1", "b1", "a2").advance(Duration.ofSeconds(2)).then("a3", "b2")))
        .keyOn("key", s -> s.substring(0, 1))
        .collect("collect", 10, Duration.ofSeconds(1))
        .output("out", out);
    TestRun run = runner.run(flow);
    assertThat(run.output(out)).containsExactlyInOrderWithinKeyElementsOf(KV::key, List.of(
        KV.of("a", List.of("a1", "a2")), KV.of("a", List.of("a3")), KV.of("b", List.of("b1")), KV.of("b", List.of("b2"))));
  }

  /** Records each value with the time the step saw it, and fires a timer 5 s after each value. */
  static final class Recorder implements StatefulLogic<String, String, String> {
    Instant due;

    @Override
    public Retention onBatch(List<String> values, Consumer<? super String> out) {
      for (String v : values) {
        out.accept(v + "@" + Duration.between(T0, RunClock.now()).toSeconds());
      }
      due = RunClock.now().plusSeconds(5);
      return Retention.RETAIN;
    }

    @Override
    public Retention onNotify(Consumer<? super String> out) {
      out.accept("timer@" + Duration.between(T0, RunClock.now()).toSeconds());
      due = null;
      return Retention.RETAIN;
    }

    @Override
    public Instant notifyAt() {
      return due;
    }

    @Override
    public String snapshot() {
      return due == null ? null : due.toString();
    }
  }

  @DataflowTest(workers = {1, 3}, processes = {1, 2})
  void aTimerFiresBeforeTheItemsAfterTheAdvanceThatPassedIt(DataflowRunner runner) {
    TestSink<KV<String, String>> out = new TestSink<>();
    Dataflow flow = new Dataflow("timer-virtual");
    flow.input("in", TestSource.of(Script.of("x").advance(Duration.ofSeconds(10)).then("y").advance(Duration.ofSeconds(2))
            .then("z")))
        .keyOn("key", s -> "k")
        .<String, String>statefulBatch("timers", (key, resume) -> new Recorder())
        .output("out", out);
    assertThat(runner.run(flow).output(out)).containsExactly(
        KV.of("k", "x@0"), KV.of("k", "timer@10"), KV.of("k", "y@10"), KV.of("k", "z@12"));
  }

  @DataflowTest(workers = {1, 2, 4}, processes = {1, 2})
  void aStepSeesTheSmallestTimeAllItsInputsPassed(DataflowRunner runner) {
    TestSink<KV<String, String>> out = new TestSink<>();
    Dataflow flow = new Dataflow("min-time");
    flow.input("in", TestSource.<String>builder()
            .partition("fast", Script.of("a").advance(Duration.ofSeconds(10)).then("b"))
            .partition("slow", Script.of("c").advance(Duration.ofSeconds(3)).then("d"))
            .build())
        .keyOn("key", s -> "k")
        .<String, String>statefulBatch("seen", (key, resume) -> new StatefulLogic<String, String, String>() {
          @Override
          public Retention onBatch(List<String> values, Consumer<? super String> o) {
            values.forEach(v -> o.accept(v + "@" + Duration.between(T0, RunClock.now()).toSeconds()));
            return Retention.RETAIN;
          }

          @Override
          public String snapshot() {
            return null;
          }
        })
        .output("out", out);
    assertThat(runner.run(flow).output(out)).containsExactlyInAnyOrder(
        KV.of("k", "a@0"), KV.of("k", "c@0"), KV.of("k", "b@3"), KV.of("k", "d@3"));
  }

  @DataflowTest(workers = {2, 4}, processes = {1, 2})
  void aStepAfterAnExchangeSeesEpochsInOrder(DataflowRunner runner) {
    List<String> items = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      items.add("k" + (i % 13) + "-" + i);
    }
    Map<Integer, List<Long>> epochsPerWorker = new ConcurrentHashMap<>();
    TestSink<String> out = new TestSink<>();
    Dataflow flow = new Dataflow("aligned");
    flow.input("in", TestSource.dealt(4, items).withBatchSize(3))
        .keyOn("key", s -> s.substring(0, s.indexOf('-')))
        .<Integer, String>statefulMap("pass", (state, v) -> v)
        .inspect("epochs", (kv, worker, epoch) ->
            epochsPerWorker.computeIfAbsent(worker, w -> java.util.Collections.synchronizedList(new ArrayList<>())).add(epoch))
        .keyRm("unkey")
        .output("out", out);
    TestRun run = runner.withConfig(c -> c.withEpochInterval(Duration.ZERO)).run(flow);
    assertThat(run.output(out)).containsExactlyInAnyOrderElementsOf(items);
    epochsPerWorker.forEach((w, epochs) -> assertThat(epochs).as("epochs seen on worker %d", w).isSorted());
    assertThat(epochsPerWorker.values().stream().mapToLong(l -> l.get(l.size() - 1)).max().orElse(0)).isGreaterThan(10);
  }
}
