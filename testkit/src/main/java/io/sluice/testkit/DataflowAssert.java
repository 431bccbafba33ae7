package io.sluice.testkit;

import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.Step;
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
   * <p>Inside a {@link DataflowTest} method (with the injected runner and no
   * {@link #atWorkerCounts}), the comparison runs once per method, not once per invocation: the
   * first invocation runs every worker count and keeps the first count's output; each later
   * invocation runs the flow only at its own worker count and compares that run with it.
   *
   * @param sink the sink to compare
   * @return the runs by worker count, for further assertions (inside a {@link DataflowTest}
   *     method's later invocations, only the invocation's own run)
   */
  public Map<Integer, TestRun> hasSameOutputAtEveryWorkerCount(TestSink<?> sink) {
    isNotNull();
    SameOutputMemo memo = workerCounts == null ? runner.sameOutputMemo : null;
    if (memo != null) {
      String key = null;
      TestRun own = null;
      SameOutputMemo.Reference ref = null;
      // a later invocation: the reference is there once the label is known (it needs the flow's sinks)
      for (Step s : actual.steps()) {
        if (s instanceof Step.Output out && out.sink() == sink) {
          key = SameOutputMemo.key(runner.processes(), actual.name(), out.id());
          break;
        }
      }
      if (key != null) {
        ref = memo.get(key);
      }
      if (ref != null) {
        own = runner.run(actual);
        compareWithReference(ref, own, sink);
        return Map.of(runner.workers(), own);
      }
      DataflowRunner r = runner;
      Map<Integer, TestRun> runs = r.runAtEachWorkerCount(actual);
      compare(runs, sink);
      if (key != null) {
        int first = runs.keySet().iterator().next();
        memo.put(key, new SameOutputMemo.Reference(first, runs.get(first).output(sink).items()));
      }
      return runs;
    }
    DataflowRunner r = workerCounts == null ? runner : runner.withWorkerCounts(workerCounts);
    Map<Integer, TestRun> runs = r.runAtEachWorkerCount(actual);
    compare(runs, sink);
    return runs;
  }

  private <T> void compareWithReference(SameOutputMemo.Reference ref, TestRun run, TestSink<T> sink) {
    SinkOutput<T> other = run.output(sink);
    @SuppressWarnings("unchecked")
    List<T> reference = (List<T>) ref.items();
    Texts.Diff<T> d = Texts.Diff.of(reference, other.items());
    if (!d.isEmpty()) {
      failWithMessage("%s", "Expected dataflow '" + actual.name() + "' to give the same output at every worker count,"
          + " but the " + other.label() + " differs\nat " + deployment(run.workers()) + " (" + other.size()
          + " items) compared with " + deployment(ref.workers()) + " (" + reference.size() + " items, an earlier"
          + " invocation of this test):" + d.describe("missing", "unexpected"));
    }
  }

  private String deployment(int workers) {
    return Texts.deployment(runner.processes(), workers);
  }

  private <T> void compare(Map<Integer, TestRun> runs, TestSink<T> sink) {
    List<Integer> counts = new ArrayList<>(runs.keySet());
    SinkOutput<T> reference = runs.get(counts.get(0)).output(sink);
    StringBuilder diffs = new StringBuilder();
    for (int i = 1; i < counts.size(); i++) {
      SinkOutput<T> other = runs.get(counts.get(i)).output(sink);
      Texts.Diff<T> d = Texts.Diff.of(reference.items(), other.items());
      if (!d.isEmpty()) {
        diffs.append("\nat ").append(deployment(counts.get(i))).append(" (").append(other.size())
            .append(" items) compared with ").append(deployment(counts.get(0))).append(" (")
            .append(reference.size()).append(" items):")
            .append(d.describe("missing", "unexpected"));
      }
    }
    if (diffs.length() > 0) {
      failWithMessage("%s", "Expected dataflow '" + actual.name() + "' to give the same output at "
          + (runner.processes() > 1 ? runner.processes() + " processes \u00d7 " + counts + " workers" : "worker counts " + counts)
          + ", but the " + reference.label() + " differs" + diffs);
    }
  }
}
