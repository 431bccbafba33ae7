package io.sluice.testkit;

import static io.sluice.testkit.SluiceAssertions.assertThat;
import static io.sluice.testkit.SluiceAssertions.assertThatThrownBy;

import io.sluice.dataflow.BatchMapper;
import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.KV;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** One assertion that runs a flow at several worker counts and compares what its sink received. */
class SameOutputTest {
  @Test
  void aKeyedCountGivesTheSameOutputAtEveryWorkerCount() {
    TestSink<KV<String, Long>> out = new TestSink<>();
    Dataflow flow = StepAssertTest.countFlow(out, StepAssertTest.manyWords());
    Map<Integer, TestRun> runs = assertThat(flow).atWorkerCounts(1, 2, 3, 4, 8).hasSameOutputAtEveryWorkerCount(out);
    assertThat(runs).containsOnlyKeys(1, 2, 3, 4, 8);
    assertThat(runs.get(8).workers()).isEqualTo(8);
  }

  @DataflowTest(workers = {1, 4})
  void usesTheRunnersWorkerCounts(DataflowRunner runner) {
    TestSink<KV<String, Long>> out = new TestSink<>();
    Dataflow flow = StepAssertTest.countFlow(out, StepAssertTest.WORDS);
    Map<Integer, TestRun> runs = assertThat(flow).using(runner).hasSameOutputAtEveryWorkerCount(out);
    // the first invocation compares every worker count; the later one runs only its own count against that
    if (runner.workers() == 1) {
      assertThat(runs).containsOnlyKeys(1, 4);
    } else {
      assertThat(runs).containsOnlyKeys(4);
    }
  }

  /**
   * Drops repeated items per worker: correct on one worker, wrong after a redistribute on several
   * (the same item reaches several workers, each of which keeps its first copy).
   */
  static Dataflow perWorkerDedupe(TestSink<String> out) {
    Dataflow flow = new Dataflow("dedupe");
    flow.input("in", TestSource.of("a", "a", "a", "a", "b"))
        .redistribute("spread")
        .flatMapBatchPerWorker("dedupe", () -> new BatchMapper<String, String>() {
          private final Set<String> seen = new HashSet<>();

          @Override
          public List<String> apply(List<String> batch) {
            List<String> out = new ArrayList<>();
            for (String s : batch) {
              if (seen.add(s)) {
                out.add(s);
              }
            }
            return out;
          }
        })
        .output("out", out);
    return flow;
  }

  @Test
  void aFlowWhoseOutputDependsOnTheWorkerCountFailsNamingTheCountsAndTheDifference() {
    TestSink<String> out = new TestSink<>();
    assertThatThrownBy(() -> assertThat(perWorkerDedupe(out)).atWorkerCounts(1, 2, 4)
        .hasSameOutputAtEveryWorkerCount(out))
        .isInstanceOf(AssertionError.class)
        .hasMessage("Expected dataflow 'dedupe' to give the same output at worker counts [1, 2, 4], but the output of"
            + " step 'out' differs\n"
            + "at 2 workers (3 items) compared with 1 worker (2 items):\n"
            + "  duplicated (1): [\"a\" expected once, received 2 times]\n"
            + "at 4 workers (5 items) compared with 1 worker (2 items):\n"
            + "  duplicated (1): [\"a\" expected once, received 4 times]");
  }

  @Test
  void onSeveralProcessesTheMessageNamesProcessesTimesWorkers() {
    TestSink<String> out = new TestSink<>();
    assertThatThrownBy(() -> assertThat(perWorkerDedupe(out)).using(DataflowRunner.withWorkers(1).withProcesses(2))
        .atWorkerCounts(1, 2).hasSameOutputAtEveryWorkerCount(out))
        .isInstanceOf(AssertionError.class)
        .hasMessageStartingWith("Expected dataflow 'dedupe' to give the same output at 2 processes \u00d7 [1, 2] workers,"
            + " but the output of step 'out' differs\nat 2 processes \u00d7 2 workers (")
        .hasMessageContaining("compared with 2 processes \u00d7 1 worker (");
  }
}
