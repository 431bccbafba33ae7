package io.sluice.testkit;

import static io.sluice.testkit.SluiceAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.dataflow.CollectState;
import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.JoinMode;
import io.sluice.dataflow.Joined;
import io.sluice.dataflow.KV;
import io.sluice.dataflow.KeyedStream;
import io.sluice.inputs.DynamicSource;
import io.sluice.inputs.StatelessSourcePartition;
import io.sluice.run.StepFailedException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;

/**
 * Interactive runs: a test starts a flow, pushes items, moves virtual time, waits until the flow
 * is idle, asserts the output so far and a key's state, and ends (or cancels) the flow.
 */
class InteractiveRunTest {

  /** Counts each word; emits "word=count" for every occurrence. */
  static Dataflow counting(InteractiveSource<String> words, TestSink<String> out) {
    Dataflow flow = new Dataflow("interactive-count");
    flow.input("words", words)
        .keyOn("key", w -> w)
        .statefulMap("count", () -> 0L, (state, w) -> {
          long n = state.get() + 1;
          state.set(n);
          return w + "=" + n;
        })
        .map("format", KV::value)
        .output("out", out);
    return flow;
  }

  @DataflowTest(workers = {1, 4})
  void pushAwaitAssertReadStatePushMoreEnd(DataflowRunner runner) {
    InteractiveSource<String> words = InteractiveSource.withPartitions("left", "right");
    TestSink<String> out = new TestSink<>();
    try (InteractiveRun run = runner.start(counting(words, out))) {
      words.partition("left").push("a", "b", "a");
      words.partition("right").push("c");
      run.awaitIdle();
      assertThat(run.output(out)).containsExactlyInAnyOrder("a=1", "b=1", "a=2", "c=1");
      assertThat(run.<Long>state("count", "a")).contains(2L);
      assertThat(run.<Long>state("count", "c")).contains(1L);
      assertThat(run.<Long>state("count", "never-seen")).isEmpty();

      words.partition("right").push("a", "d");
      words.partition("left").push("b");
      run.awaitIdle();
      assertThat(run.output(out)).containsExactlyInAnyOrder("a=1", "b=1", "a=2", "c=1", "a=3", "d=1", "b=2");
      assertThat(run.<Long>state("count", "a")).contains(3L);
      assertThat(run.isDone()).isFalse();

      words.partition("left").push("e");
      TestRun done = run.end();
      assertThat(done.output(out)).containsExactlyInAnyOrder("a=1", "b=1", "a=2", "c=1", "a=3", "d=1", "b=2", "e=1");
      assertThat(done.result().step("count").totalIn()).isEqualTo(8);
      assertThat(run.isDone()).isTrue();
      assertThat(run.end()).isSameAs(done);
    }
  }

  @DataflowTest(workers = {1, 4})
  void awaitIdleSeesEveryItemOfManyBatchesAcrossPartitions(DataflowRunner runner) {
    InteractiveSource<String> words = InteractiveSource.<String>withPartitions(3).withBatchSize(7);
    TestSink<String> out = new TestSink<>();
    try (InteractiveRun run = runner.start(counting(words, out))) {
      for (int round = 1; round <= 5; round++) {
        for (int p = 0; p < 3; p++) {
          for (int i = 0; i < 40; i++) {
            words.partition("partition-" + p).push("k" + i);
          }
        }
        run.awaitIdle();
        assertThat(run.output(out).items()).hasSize(round * 120);
        assertThat(run.<Long>state("count", "k7")).contains(round * 3L);
      }
      run.end();
    }
  }

  @DataflowTest(workers = {1, 4})
  void theOutputCanBeReadWhileTheRunWritesIt(DataflowRunner runner) {
    InteractiveSource<String> words = InteractiveSource.<String>withPartitions(4).withBatchSize(3);
    TestSink<String> out = new TestSink<>();
    try (InteractiveRun run = runner.start(counting(words, out))) {
      for (int i = 0; i < 2_000; i++) {
        words.partition("partition-" + (i % 4)).push("w" + (i % 50));
      }
      int seen = 0;
      for (int read = 0; read < 200; read++) { // reads race the workers' writes: never an error, never shrinking
        int now = run.output(out).items().size();
        assertThat(now).isGreaterThanOrEqualTo(seen).isLessThanOrEqualTo(2_000);
        seen = now;
      }
      run.awaitIdle();
      assertThat(run.output(out)).hasSize(2_000).hasNoDuplicates();
      assertThat(run.<Long>state("count", "w7")).contains(40L);
      run.end();
    }
  }

  @DataflowTest(workers = {1, 4})
  void collectTimeoutsFireWhereTheTestAdvancesVirtualTime(DataflowRunner runner) {
    InteractiveSource<String> in = InteractiveSource.create();
    TestSink<KV<String, List<String>>> out = new TestSink<>();
    Dataflow flow = new Dataflow("interactive-collect");
    flow.input("in", in)
        .keyOn("key", s -> s.substring(0, 1))
        .collect("collect", 10, Duration.ofSeconds(1))
        .output("out", out);
    try (InteractiveRun run = runner.start(flow)) {
      in.push("a1", "b1", "a2");
      run.awaitIdle();
      assertThat(run.output(out)).isEmpty();
      assertThat(run.<CollectState<String>>state("collect", "a").map(CollectState::buffer)).contains(List.of("a1", "a2"));

      run.advance(Duration.ofMillis(999));
      assertThat(run.output(out)).isEmpty();

      run.advance(Duration.ofMillis(1)); // the deadline of both keys: 1 s after their first item
      assertThat(run.output(out)).containsExactlyInAnyOrder(KV.of("a", List.of("a1", "a2")), KV.of("b", List.of("b1")));
      assertThat(run.<CollectState<String>>state("collect", "a")).isEmpty(); // flushed, so discarded

      in.push("a3");
      run.advance(Duration.ofMillis(500));
      assertThat(run.output(out).items()).hasSize(2);
      run.advance(Duration.ofMillis(500));
      assertThat(run.output(out).items()).hasSize(3).contains(KV.of("a", List.of("a3")));

      in.push("b2");
      TestRun done = run.end(); // the end of stream flushes what waits
      assertThat(done.output(out)).containsExactlyInAnyOrder(KV.of("a", List.of("a1", "a2")),
          KV.of("b", List.of("b1")), KV.of("a", List.of("a3")), KV.of("b", List.of("b2")));
    }
  }

  @DataflowTest(workers = {1, 4})
  void twoSourcesJoinedAndTheJoinStateOfAKey(DataflowRunner runner) {
    InteractiveSource<KV<String, String>> profiles = InteractiveSource.create();
    InteractiveSource<KV<String, String>> orders = InteractiveSource.withPartitions(2);
    TestSink<KV<String, Joined<String, String>>> out = new TestSink<>();
    Dataflow flow = new Dataflow("interactive-join");
    KeyedStream<String, String> p = flow.input("profiles", profiles).keyOn("p-key", KV::key).mapValue("p-name", KV::value);
    KeyedStream<String, String> o = flow.input("orders", orders).keyOn("o-key", KV::key).mapValue("o-item", KV::value);
    p.join("join", o, JoinMode.RUNNING).output("out", out);
    try (InteractiveRun run = runner.start(flow)) {
      profiles.push(KV.of("u1", "alice"), KV.of("u2", "bob"));
      run.awaitIdle();
      assertThat(run.<Joined<String, String>>state("join", "u1")).contains(new Joined<>("alice", null));
      orders.partition("partition-1").push(KV.of("u1", "book"));
      run.awaitIdle();
      assertThat(run.<Joined<String, String>>state("join", "u1")).contains(new Joined<>("alice", "book"));
      assertThat(run.output(out)).containsExactlyInAnyOrder(KV.of("u1", new Joined<>("alice", null)),
          KV.of("u2", new Joined<>("bob", null)), KV.of("u1", new Joined<>("alice", "book")));
      run.end();
    }
  }

  @DataflowTest(workers = {1, 4})
  void aStepsTimeMovesOnlyOnceEveryInputAdvanced(DataflowRunner runner) {
    InteractiveSource<String> left = InteractiveSource.create();
    InteractiveSource<String> right = InteractiveSource.create();
    TestSink<KV<String, List<String>>> out = new TestSink<>();
    Dataflow flow = new Dataflow("interactive-two-clocks");
    flow.merge("both", flow.input("left", left), flow.input("right", right))
        .keyOn("key", s -> s.substring(0, 1))
        .collect("collect", 10, Duration.ofSeconds(1))
        .output("out", out);
    try (InteractiveRun run = runner.start(flow)) {
      left.push("a1");
      right.push("b1");
      left.advance(Duration.ofSeconds(5)); // only one input moves: the collect step's time stays
      run.awaitIdle();
      assertThat(run.output(out)).isEmpty();
      right.advance(Duration.ofSeconds(5));
      run.awaitIdle();
      assertThat(run.output(out)).containsExactlyInAnyOrder(KV.of("a", List.of("a1")), KV.of("b", List.of("b1")));
      run.end();
    }
  }

  @DataflowTest(workers = {1, 4})
  void aTailingFlowIsTestedAndCancelled(DataflowRunner runner) {
    InteractiveSource<String> words = InteractiveSource.withPartitions(2);
    TestSink<String> out = new TestSink<>();
    InteractiveRun run = runner.start(counting(words, out));
    try (run) {
      words.partition("partition-0").push("x");
      words.partition("partition-1").push("x", "y");
      run.awaitIdle();
      assertThat(run.output(out)).containsExactlyInAnyOrder("x=1", "x=2", "y=1");
      run.advance(Duration.ofDays(1)); // a day of virtual time: it still runs
      assertThat(run.isDone()).isFalse();
      words.partition("partition-0").push("y");
      run.awaitIdle();
      assertThat(run.output(out)).containsExactlyInAnyOrder("x=1", "x=2", "y=1", "y=2");
      assertThat(run.<Long>state("count", "y")).contains(2L);
    }
    assertThat(run.isDone()).isTrue();
    assertThatThrownBy(run::awaitIdle).isInstanceOf(CancellationException.class);
  }

  @DataflowTest(workers = {1, 4})
  void aFailureInUserCodeSurfacesFromTheNextWait(DataflowRunner runner) {
    InteractiveSource<String> in = InteractiveSource.create();
    Dataflow flow = new Dataflow("interactive-failure");
    flow.input("in", in)
        .map("check", s -> {
          if (s.equals("boom")) {
            throw new IllegalArgumentException("bad item");
          }
          return s;
        })
        .output("out", new TestSink<>());
    try (InteractiveRun run = runner.start(flow)) {
      in.push("fine");
      run.awaitIdle();
      in.push("boom");
      assertThatThrownBy(run::awaitIdle).isInstanceOf(StepFailedException.class)
          .hasMessageContaining("check").hasRootCauseMessage("bad item");
    }
  }

  /** A source that never ends and never closes an epoch under virtual time (it never asks to wait). */
  static final class Silent implements DynamicSource<String> {
    @Override
    public StatelessSourcePartition<String> build(String stepId, int workerIndex, int workerCount) {
      return List::of;
    }
  }

  @Test
  void awaitIdleIsBoundedAndDumpsTheWorkers() {
    InteractiveSource<String> in = InteractiveSource.create();
    TestSink<String> out = new TestSink<>();
    Dataflow flow = new Dataflow("interactive-stuck");
    flow.merge("both", flow.input("in", in), flow.input("silent", new Silent())).output("out", out);
    InteractiveRun run = DataflowRunner.withWorkers(2).start(flow);
    try (run) {
      in.push("a");
      assertThatThrownBy(() -> run.awaitIdle(Duration.ofMillis(300)))
          .isInstanceOf(DataflowTimeoutError.class)
          .hasMessageContaining("timed out after PT0.3S waiting for")
          .hasMessageContaining("source 'silent'")
          .hasMessageContaining("open epoch");
    }
    assertThat(run.isDone()).isTrue();
  }

  @Test
  void misuseFailsClearly() {
    InteractiveSource<String> words = InteractiveSource.create();
    TestSink<String> out = new TestSink<>();
    Dataflow flow = counting(words, out);
    assertThatThrownBy(() -> DataflowRunner.withWorkers(1).withProcesses(2).start(flow))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("single process");
    Dataflow plain = new Dataflow("plain");
    plain.input("in", TestSource.of("a")).output("out", new TestSink<>());
    assertThatThrownBy(() -> DataflowRunner.withWorkers(1).start(plain))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reads no InteractiveSource");
    try (InteractiveRun run = DataflowRunner.withWorkers(2).start(flow)) {
      assertThatThrownBy(() -> DataflowRunner.withWorkers(1).start(flow))
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("already used by a run");
      assertThatThrownBy(() -> run.state("format", "a"))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stateful steps are [count]");
      assertThatThrownBy(() -> run.advance(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> run.output(new TestSink<String>())).isInstanceOf(IllegalArgumentException.class);
      words.push("a");
      words.endOfStream();
      assertThatThrownBy(() -> words.push("b")).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("end of stream was pushed already");
      run.awaitIdle(); // every source ended: waits for the end
      assertThat(run.isDone()).isTrue();
      assertThat(run.end().output(out)).containsExactly("a=1");
    }
    InteractiveSource<String> two = InteractiveSource.withPartitions(2);
    assertThatThrownBy(() -> two.push("x")).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("partition(name).push");
  }

  @Test
  void onTheSystemClockPushAndAwaitWorkButAdvanceIsRefused() {
    InteractiveSource<String> words = InteractiveSource.create();
    TestSink<String> out = new TestSink<>();
    try (InteractiveRun run = DataflowRunner.withWorkers(2).withSystemClock().start(counting(words, out))) {
      words.push("a", "a");
      run.awaitIdle();
      assertThat(run.output(out)).containsExactlyInAnyOrder("a=1", "a=2");
      assertThatThrownBy(() -> run.advance(Duration.ofSeconds(1)))
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("virtual time");
      run.end();
    }
  }
}
