package io.sluice.testkit;

import io.sluice.dataflow.Dataflow;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.AbstractAssert;

/**
 * Assertions that run a dataflow several times with a {@link DataflowRunner} and compare the runs.
 * The flow must be re-runnable: its sources give the same items each time ({@link TestSource}
 * does) and its sinks are {@link TestSink}s.
 */
public final class DataflowAssert extends AbstractAssert<DataflowAssert, Dataflow> {
  private DataflowRunner runner = DataflowRunner.withWorkers(1);
  private List<Integer> workerCounts;

  DataflowAssert(Dataflow actual) {
    super(actual, DataflowAssert.class);
  }

  /** Runs with {@code runner}'s settings and at its {@link DataflowRunner#workerCounts() worker counts}. */
  public DataflowAssert using(DataflowRunner runner) {
    this.runner = runner;
    return this;
  }

  /** Runs at these worker counts instead. */
  public DataflowAssert atWorkerCounts(int... counts) {
    if (counts.length == 0) {
      throw new IllegalArgumentException("at least one worker count is needed");
    }
    this.workerCounts = Arrays.stream(counts).boxed().toList();
    return this;
  }

  /**
   * Runs the flow once at each worker count and checks that {@code sink} received the same items
   * (as a multiset: any order) every time. A failure names the worker counts that differ and lists
   * missing, unexpected and duplicated items against the first count's output.
   *
   * @return the runs by worker count, for further assertions
   */
  public Map<Integer, TestRun> hasSameOutputAtEveryWorkerCount(TestSink<?> sink) {
    isNotNull();
    DataflowRunner r = workerCounts == null ? runner : runner.withWorkerCounts(workerCounts);
    Map<Integer, TestRun> runs = r.runAtEachWorkerCount(actual);
    compare(runs, sink);
    return runs;
  }

  private <T> void compare(Map<Integer, TestRun> runs, TestSink<T> sink) {
    List<Integer> counts = new ArrayList<>(runs.keySet());
    SinkOutput<T> reference = runs.get(counts.get(0)).output(sink);
    StringBuilder diffs = new StringBuilder();
    for (int i = 1; i < counts.size(); i++) {
      SinkOutput<T> other = runs.get(counts.get(i)).output(sink);
      Texts.Diff<T> d = Texts.Diff.of(reference.items(), other.items());
      if (!d.isEmpty()) {
        diffs.append("\nat ").append(Texts.workers(counts.get(i))).append(" (").append(other.size())
            .append(" items) compared with ").append(Texts.workers(counts.get(0))).append(" (")
            .append(reference.size()).append(" items):")
            .append(d.describe("missing", "unexpected"));
      }
    }
    if (diffs.length() > 0) {
      failWithMessage("%s", "Expected dataflow '" + actual.name() + "' to give the same output at worker counts "
          + counts + ", but the " + reference.label() + " differs" + diffs);
    }
  }
}
