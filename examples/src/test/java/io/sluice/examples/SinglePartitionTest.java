package io.sluice.examples;

import static io.sluice.testkit.SluiceAssertions.assertThat;
import static io.sluice.testkit.SluiceAssertions.withinPercentage;

import io.sluice.testkit.DataflowRunner;
import io.sluice.testkit.DataflowTest;
import io.sluice.testkit.TestRun;
import io.sluice.testkit.TestSink;
import io.sluice.testkit.TestSource;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The seed's single-partition picture as tests: one partition is read by one worker, and without
 * {@code redistribute} its work stays there; with it, every worker gets a fair share.
 */
@DataflowTest(workers = {1, 2, 4})
class SinglePartitionTest {
  static final List<Integer> NUMBERS = IntStream.range(0, 10_000).boxed().toList();

  static List<Long> expected() {
    return NUMBERS.stream().map(SinglePartition::work).toList();
  }

  @DataflowTest
  void withoutRedistributeAllTheWorkStaysOnTheWorkerThatReadsThePartition(DataflowRunner runner) {
    TestSink<Long> out = new TestSink<>();
    TestRun run = runner.run(SinglePartition.flow(TestSource.ofAll(NUMBERS), false, out));
    assertThat(run).step("work").stayedOnOneWorker().hasItemsInTotal(NUMBERS.size());
    assertThat(run.output(out)).containsExactlyElementsOf(expected());
  }

  @DataflowTest(workers = {2, 4})
  void withRedistributeEveryWorkerSharesTheWork(DataflowRunner runner) {
    TestSink<Long> out = new TestSink<>();
    TestRun run = runner.run(SinglePartition.flow(TestSource.ofAll(NUMBERS), true, out));
    assertThat(run).step("work")
        .isSpreadOverAllWorkers()
        .isSpreadEvenlyWithin(withinPercentage(10))
        .hasItemsInTotal(NUMBERS.size());
    assertThat(run.output(out)).containsExactlyInAnyOrderElementsOf(expected());
  }

  @DataflowTest
  void theShippedFlowReadsOnePartitionOnOneWorker(DataflowRunner runner) {
    TestRun run = runner.run(SinglePartition.flow(1_000, false));
    assertThat(run).step("numbers").stayedOnWorker(0);
    assertThat(run).step("work").stayedOnWorker(0).hasItemsInTotal(1_000);
  }
}
