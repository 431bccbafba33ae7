package io.sluice.examples;

import static io.sluice.testkit.SluiceAssertions.assertThat;

import io.sluice.dataflow.Dataflow;
import io.sluice.inputs.Routing;
import io.sluice.testkit.DataflowRunner;
import io.sluice.testkit.DataflowTest;
import io.sluice.testkit.TestRun;
import io.sluice.testkit.TestSink;
import io.sluice.testkit.TestSource;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The word-count example, tested the way a user tests a flow: at several worker counts. */
@DataflowTest(workers = {1, 2, 4}, processes = {1, 2})
class WordCountTest {
  /** The expected output, worked out without Sluice: {@code word\tcount} per distinct word. */
  static List<String> expectedCounts(List<String> lines) {
    Map<String, Long> counts = lines.stream()
        .flatMap(l -> Arrays.stream(l.toLowerCase(Locale.ROOT).split("\\s+")))
        .filter(w -> !w.isEmpty())
        .collect(Collectors.groupingBy(w -> w, TreeMap::new, Collectors.counting()));
    return counts.entrySet().stream().map(e -> e.getKey() + "\t" + e.getValue()).toList();
  }

  @DataflowTest
  void countsAFewLines(DataflowRunner runner) {
    TestSink<String> out = new TestSink<>();
    TestRun run = runner.run(WordCount.flow(TestSource.of("The cat", "the dog", "THE END"), out));
    assertThat(run.output(out)).containsExactlyInAnyOrder("the\t3", "cat\t1", "dog\t1", "end\t1").hasNoDuplicates();
  }

  @DataflowTest
  void countsTheShippedText(DataflowRunner runner) {
    List<String> lines = WordCount.shippedLines();
    TestSink<String> out = new TestSink<>();
    TestRun run = runner.run(WordCount.flow(TestSource.ofAll(lines), out));
    assertThat(run.output(out)).containsExactlyInAnyOrderElementsOf(expectedCounts(lines));
  }

  @DataflowTest
  void countsTheShippedTextReadFromSeveralPartitions(DataflowRunner runner) {
    List<String> lines = WordCount.shippedLines();
    TestSink<String> out = new TestSink<>();
    TestRun run = runner.run(WordCount.flow(TestSource.dealt(3, lines).withBatchSize(2), out));
    assertThat(run.output(out)).containsExactlyInAnyOrderElementsOf(expectedCounts(lines));
    assertThat(run).step("lines").hasItemsInTotal(lines.size());
  }

  @DataflowTest
  void countsEachWordOnTheWorkerRoutingPredicts(DataflowRunner runner) {
    TestSink<String> out = new TestSink<>();
    TestRun run = runner.run(WordCount.flow(TestSource.dealt(3, WordCount.shippedLines()), out));
    assertThat(run.output(out)).containsExactlyInAnyOrderElementsOf(expectedCounts(WordCount.shippedLines()));
    assertThat(run).step("count")
        .hasEachKeyOnExactlyOneWorker()
        .hasEachKeyOnTheWorkerRoutingPredicts()
        .hasKeyOnWorker("river", Routing.workerFor("river", runner.totalWorkers()));
  }

  @Test
  void givesTheSameOutputAtEveryWorkerCount() {
    TestSink<String> out = new TestSink<>();
    Dataflow flow = WordCount.flow(TestSource.dealt(3, WordCount.shippedLines()), out);
    assertThat(flow).atWorkerCounts(1, 2, 4, 8).hasSameOutputAtEveryWorkerCount(out);
  }
}
