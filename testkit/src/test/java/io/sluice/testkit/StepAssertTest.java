package io.sluice.testkit;

import static io.sluice.testkit.SluiceAssertions.assertThat;
import static io.sluice.testkit.SluiceAssertions.assertThatThrownBy;
import static io.sluice.testkit.SluiceAssertions.withinPercentage;

import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.KV;
import io.sluice.dataflow.Stream;
import io.sluice.inputs.Routing;
import io.sluice.run.RunResult;
import io.sluice.run.StepStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Placement, spread, skew and blocking assertions on a step, and their failure messages. */
class StepAssertTest {
  static final List<String> WORDS = List.of("apple", "pear", "fig", "plum", "kiwi", "lime", "date", "sloe");

  /** words (dealt over 3 partitions) -> countFinal("count") -> out */
  static Dataflow countFlow(TestSink<KV<String, Long>> out, List<String> words) {
    Dataflow flow = new Dataflow("words");
    flow.input("in", TestSource.dealt(3, words)).countFinal("count", w -> w).output("out", out);
    return flow;
  }

  static List<String> manyWords() {
    List<String> words = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      words.add(WORDS.get(i % WORDS.size()));
    }
    return words;
  }

  @DataflowTest(workers = {1, 2, 4})
  void keysOfAKeyedStepAreOnTheWorkerRoutingPredicts(DataflowRunner runner) {
    TestSink<KV<String, Long>> out = new TestSink<>();
    TestRun run = runner.run(countFlow(out, manyWords()));
    assertThat(run.output(out)).containsExactlyInAnyOrderElementsOf(WORDS.stream().map(w -> KV.of(w, 50L)).toList());
    assertThat(run).step("count").hasEachKeyOnExactlyOneWorker().hasEachKeyOnTheWorkerRoutingPredicts()
        .sawKeys(WORDS.toArray())
        .hasKeyOnWorker("apple", Routing.workerFor("apple", runner.workers()));
    for (int w = 0; w < runner.workers(); w++) {
      for (Object key : run.keys("count", w)) {
        assertThat(Routing.workerFor(key, runner.workers())).isEqualTo(w);
      }
    }
  }

  @DataflowTest(workers = 4)
  void aKeyOnAnotherWorkerNamesTheKeyWhereItWasAndWhereRoutingPutsIt(DataflowRunner runner) {
    TestSink<KV<String, Long>> out = new TestSink<>();
    TestRun run = runner.run(countFlow(out, manyWords()));
    int owner = Routing.workerFor("apple", 4);
    int other = (owner + 1) % 4;
    assertThatThrownBy(() -> assertThat(run).step("count").hasKeyOnWorker("apple", other))
        .hasMessage("Expected keyed step 'count' (dataflow 'words' at 4 workers) to process key \"apple\" on worker "
            + other + ", but it was processed on worker " + owner + " (Routing.workerFor(\"apple\", 4) = " + owner + ")");
    assertThatThrownBy(() -> assertThat(run).step("count").hasKeyOnWorker("cherry", 0))
        .hasMessageContaining("to process key \"cherry\" on worker 0, but it never saw that key; it saw 8 keys: [");
    assertThatThrownBy(() -> assertThat(run).step("count").sawKeys("apple", "cherry"))
        .hasMessageContaining("but it never saw [\"cherry\"]");
  }

  @DataflowTest(workers = 2)
  void namingTheHelperStepOfAKeyedOperatorPointsToItsKeyedStep(DataflowRunner runner) {
    TestSink<KV<String, Long>> out = new TestSink<>();
    TestRun run = runner.run(countFlow(out, WORDS));
    assertThatThrownBy(() -> assertThat(run).step("count.pre").hasEachKeyOnTheWorkerRoutingPredicts())
        .hasMessage("step 'count.pre' of dataflow 'words' at 2 workers is not a keyed step, so"
            + " hasEachKeyOnTheWorkerRoutingPredicts has no key placement to check. Its keyed steps are [count]."
            + " 'count.pre' is a helper step of the keyed operator 'count' (e.g. countFinal's per-worker"
            + " pre-aggregation 'count.pre'); its keys are placed in step 'count'.");
    assertThatThrownBy(() -> assertThat(run).step("counts"))
        .hasMessage("dataflow 'words' has no step 'counts'; its steps are [in, count.pre, count, out]");
  }

  /** A run whose keyed step saw keys where the engine would never put them: to see the messages. */
  @Test
  void misplacedKeysAreListedWithTheirWorkersAndTheRoutedWorker() {
    TestSink<KV<String, Long>> out = new TestSink<>();
    Dataflow flow = countFlow(out, WORDS);
    int n = 2;
    String a = WORDS.stream().filter(w -> Routing.workerFor(w, n) == 0).findFirst().orElseThrow();
    String b = WORDS.stream().filter(w -> Routing.workerFor(w, n) == 1).findFirst().orElseThrow();
    List<Map<Object, Long>> keys = List.of(Map.of(a, 1L, b, 1L), Map.of(b, 1L));
    Map<String, StepStats> steps = new LinkedHashMap<>();
    for (String id : List.of("in", "count.pre", "count", "out")) {
      steps.put(id, new StepStats(id, new long[n], new long[n], id.equals("count") ? keys : Arrays.asList(null, null),
          new long[n]));
    }
    TestRun run = new TestRun(flow, new RunResult("words", n, Duration.ZERO, steps, List.of()), n, Map.of());
    assertThatThrownBy(() -> assertThat(run).step("count").hasEachKeyOnExactlyOneWorker())
        .hasMessage("Expected every key of keyed step 'count' (dataflow 'words' at 2 workers) to be processed on exactly"
            + " one worker, but 1 key was processed on several:\n  key \"" + b + "\" on workers [0, 1]");
    assertThatThrownBy(() -> assertThat(run).step("count").hasEachKeyOnTheWorkerRoutingPredicts())
        .hasMessage("Expected every key of keyed step 'count' (dataflow 'words' at 2 workers) on the worker routing"
            + " predicts, but 1 key was not:\n  key \"" + b + "\" was processed on workers [0, 1], but"
            + " Routing.workerFor(\"" + b + "\", 2) = 1");
  }

  /** One partition, optionally redistributed, then a "work" step: the seed's single-partition picture. */
  static Dataflow singlePartition(boolean redistribute, TestSink<Integer> out) {
    Dataflow flow = new Dataflow(redistribute ? "spread" : "single");
    Stream<Integer> in = flow.input("numbers", TestSource.ofAll(IntStream.range(0, 1000).boxed().toList()));
    if (redistribute) {
      in = in.redistribute("spread");
    }
    in.map("work", i -> i * 2).output("out", out);
    return flow;
  }

  @DataflowTest(workers = {1, 2, 4})
  void withoutRedistributeEverythingStaysOnTheReadingWorker(DataflowRunner runner) {
    TestSink<Integer> out = new TestSink<>();
    TestRun run = runner.run(singlePartition(false, out));
    assertThat(run).step("work").stayedOnOneWorker().stayedOnWorker(0).hasItemsInTotal(1000);
    assertThat(run).step("numbers").stayedOnWorker(0);
  }

  @DataflowTest(workers = {2, 4})
  void withRedistributeTheItemsAreSpreadEvenly(DataflowRunner runner) {
    TestSink<Integer> out = new TestSink<>();
    TestRun run = runner.run(singlePartition(true, out));
    assertThat(run).step("work").isSpreadOverAllWorkers().isSpreadEvenlyWithin(withinPercentage(10)).hasSkewAtMost(1.1);
    assertThat(run.output(out)).hasNoDuplicates().hasSize(1000);
    assertThatThrownBy(() -> assertThat(run).step("work").stayedOnOneWorker())
        .hasMessageContaining("to stay on one worker, but " + runner.workers() + " workers processed some");
  }

  @DataflowTest(workers = 4)
  void spreadFailuresShowTheItemsPerWorker(DataflowRunner runner) {
    TestSink<Integer> out = new TestSink<>();
    TestRun run = runner.run(singlePartition(false, out));
    assertThatThrownBy(() -> assertThat(run).step("work").isSpreadOverAllWorkers())
        .hasMessageStartingWith("Expected the items of step 'work' (dataflow 'single' at 4 workers) to be spread over"
            + " all 4 workers, but workers [1, 2, 3] got none: items per worker [1000, 0, 0, 0]. Items stay on the"
            + " worker that read their source partition until a redistribute or a keyed step moves them");
    assertThatThrownBy(() -> assertThat(run).step("work").isSpreadEvenlyWithin(withinPercentage(20)))
        .hasMessageContaining("within 20% of the mean 250.0, but:\n  worker 0: 1000 (+300.0 %)\n"
            + "  worker 1: 0 (-100.0 %)");
  }

  @DataflowTest(workers = 4)
  void aHotKeyFailsTheSkewAssertionNamingTheBusiestWorkerAndItsKeys(DataflowRunner runner) {
    List<String> words = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      words.add(i % 10 == 0 ? WORDS.get(i / 10 % WORDS.size()) : "hot");
    }
    TestSink<KV<String, Long>> out = new TestSink<>();
    Dataflow flow = new Dataflow("hot");
    flow.input("in", TestSource.dealt(2, words).withBatchSize(1))
        .keyOn("key", w -> w).statefulMap("seen", (state, w) -> w).keyRm("unkey")
        .map("count", w -> KV.of(w, 1L)).output("out", new TestSink<>());
    TestRun run = runner.run(flow);
    Skew skew = run.skew("seen");
    int hot = Routing.workerFor("hot", 4);
    assertThat(skew.busiestWorker()).isEqualTo(hot);
    assertThat(skew.ratio()).isGreaterThan(3.0);
    assertThatThrownBy(() -> assertThat(run).step("seen").hasSkewAtMost(1.5))
        .hasMessageContaining("Expected step 'seen' (dataflow 'hot' at 4 workers) to have a max/mean load ratio of at"
            + " most 1.50, but it was ")
        .hasMessageContaining(": worker " + hot + " processed ")
        .hasMessageContaining("; keys on worker " + hot + " (")
        .hasMessageContaining("), items per key, most first: [\"hot\" 270");
    assertThat(run.step("seen").keyItems(hot)).containsEntry("hot", 270L);
    long items = 0;
    for (int w = 0; w < 4; w++) {
      items += run.step("seen").keyItems(w).values().stream().mapToLong(Long::longValue).sum();
    }
    assertThat(items).as("every item counted once, under its key").isEqualTo(300);
  }

  @DataflowTest(workers = 2)
  void aStepThatBlocksItsWorkerIsNamed(DataflowRunner runner) {
    TestSink<Integer> out = new TestSink<>();
    Dataflow flow = new Dataflow("sleepy");
    flow.input("in", TestSource.of(1, 2, 3).withBatchSize(1)).map("slow", i -> {
      if (i == 2) {
        sleep(Duration.ofMillis(600)); // the user code under test blocks: what the assertion is for
      }
      return i;
    }).output("out", out);
    TestRun run = runner.run(flow);
    assertThatThrownBy(() -> assertThat(run).hasNoStepBlockingLongerThan(Duration.ofMillis(500)))
        .hasMessageContaining("Expected no step of dataflow 'sleepy' at 2 workers to hold its worker longer than 500 ms,"
            + " but:\n  step 'slow' held worker 0 for ")
        .hasMessageContaining("Step code must not block its worker");
    assertThatThrownBy(() -> assertThat(run).step("slow").hasNoActivationLongerThan(Duration.ofMillis(500)))
        .hasMessageContaining("step 'slow' held worker 0 for ");
    assertThat(run).step("out").hasNoActivationLongerThan(Duration.ofMillis(500)); // room for a GC pause on a loaded CI machine
  }

  /** User code that holds its worker for {@code d} (at least), as a blocking call in a step would. */
  static void sleep(Duration d) {
    long end = System.nanoTime() + d.toNanos();
    for (long left = d.toNanos(); left > 0; left = end - System.nanoTime()) {
      java.util.concurrent.locks.LockSupport.parkNanos(left);
    }
  }
}
