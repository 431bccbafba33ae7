package io.sluice.testkit;

import io.sluice.dataflow.Dataflow;
import org.assertj.core.api.Assertions;

/**
 * The testkit's AssertJ entry point. It extends AssertJ's {@link Assertions}, so one
 * {@code import static io.sluice.testkit.SluiceAssertions.assertThat;} gives both the dataflow
 * assertions and all of AssertJ's.
 *
 * <pre>{@code
 * TestRun run = runner.run(flow);
 * assertThat(run.output(out)).containsExactlyInAnyOrder(KV.of("a", 1L), KV.of("b", 2L));
 * assertThat(run).step("count").hasEachKeyOnTheWorkerRoutingPredicts();
 * assertThat(run).step("work").isSpreadEvenlyWithin(withinPercentage(10));
 * assertThat(flow).using(runner).hasSameOutputAtEveryWorkerCount(out);
 * }</pre>
 */
public class SluiceAssertions extends Assertions {
  protected SluiceAssertions() {}

  /** Assertions on what one sink received in one run: contents, order, order within key, duplicates. */
  public static <T> OutputAssert<T> assertThat(SinkOutput<T> actual) {
    return new OutputAssert<>(actual);
  }

  /** Assertions on a finished run: its steps (placement, spread, skew) and blocking. */
  public static TestRunAssert assertThat(TestRun actual) {
    return new TestRunAssert(actual);
  }

  /** Assertions that run a dataflow several times, e.g. at every worker count. */
  public static <T> RecoveryRunAssert<T> assertThat(RecoveryRun<T> actual) {
    return new RecoveryRunAssert<>(actual);
  }

  /**
   * Assertions per key and window on a windowing step's {@code down} (results) or {@code late}
   * (late items) stream, written to a {@link TestSink}: {@code assertThatWindows(run.output(down))}.
   */
  public static <K, W> WindowsAssert<K, W> assertThatWindows(
      SinkOutput<io.sluice.dataflow.KV<K, io.sluice.windowing.Windowed<W>>> actual) {
    return new WindowsAssert<>(actual);
  }

  public static DataflowAssert assertThat(Dataflow actual) {
    return new DataflowAssert(actual);
  }
}
