package io.sluice.testkit;

import static io.sluice.testkit.SluiceAssertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.KV;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * Measures what one dataflow test costs once the JVM is warm: a 4-worker run of 1,000 items
 * through a keyed stateful step, with output and placement assertions. Not a unit test (no
 * wall-clock limits are asserted anywhere); run it by hand, see docs/PERFORMANCE.md.
 *
 * <p>Three figures: (1) {@code runner.run(flow)} plus the assertions, called directly; (2) the same
 * as a whole {@code @DataflowTest(workers = 4)} method launched through the JUnit Platform (engine
 * discovery, extension, invocation, reporting); (3) the same 4 workers as an in-JVM cluster of
 * 2 processes × 2 workers over the Aeron transport.
 */
public final class OverheadHarness {
  private OverheadHarness() {}

  static final List<Integer> ITEMS = IntStream.range(0, 1_000).boxed().toList();
  static final List<KV<Integer, Long>> EXPECTED = expected();

  static List<KV<Integer, Long>> expected() {
    long[] sums = new long[40];
    List<KV<Integer, Long>> out = new ArrayList<>();
    // TestSource.dealt(4, ...) keeps each partition's order, and each key lives in one partition
    for (int i : ITEMS) {
      sums[i % 40] += i;
      out.add(KV.of(i % 40, sums[i % 40]));
    }
    return out;
  }

  /** 1,000 items over 4 partitions, keyed by i % 40 (each key in one partition), a running sum per key. */
  static Dataflow flow(TestSink<KV<Integer, Long>> out) {
    Dataflow flow = new Dataflow("overhead");
    flow.input("in", TestSource.dealt(4, ITEMS))
        .keyOn("key", i -> i % 40)
        .statefulMap("sum", (io.sluice.dataflow.ValueState<Long> state, Integer i) -> {
          long s = state.getOrDefault(0L) + i;
          state.set(s);
          return s;
        })
        .output("out", out);
    return flow;
  }

  /** What a test method does: run, then check output and placement. */
  static void oneTest(DataflowRunner runner) {
    TestSink<KV<Integer, Long>> out = new TestSink<>();
    TestRun run = runner.run(flow(out));
    assertThat(run.output(out)).containsExactlyInOrderWithinKeyElementsOf(KV::key, EXPECTED);
    assertThat(run).step("sum").hasEachKeyOnTheWorkerRoutingPredicts();
  }

  /** The same test as a {@code @DataflowTest} for the JUnit Platform run. */
  @Fixture
  static class AsDataflowTest {
    @DataflowTest(workers = 4)
    void runningSums(DataflowRunner runner) {
      oneTest(runner);
    }
  }

  public static void main(String[] args) throws Exception {
    int warmup = args.length > 0 ? Integer.parseInt(args[0]) : 300;
    int measured = args.length > 1 ? Integer.parseInt(args[1]) : 500; // args[2]: cluster runs
    DataflowRunner runner = DataflowRunner.withWorkers(4);

    long firstNanos = System.nanoTime();
    oneTest(runner);
    double firstMs = (System.nanoTime() - firstNanos) / 1e6;

    double[] direct = timed(() -> oneTest(runner), warmup, measured);
    // the same without the check that items do not change after they are emitted (on by default)
    DataflowRunner unchecked = runner.withEmitCheck(false);
    double[] withoutEmitCheck = timed(() -> oneTest(unchecked), warmup, measured);

    var selector = selectMethod(AsDataflowTest.class, "runningSums", DataflowRunner.class.getName());
    Runnable viaJunit = () -> Fixtures.engine().selectors(selector).execute().testEvents()
        .assertStatistics(st -> st.succeeded(1));
    double[] junit = timed(viaJunit, Math.max(50, warmup / 5), Math.max(50, measured / 5));

    // The same 4 workers as an in-JVM cluster of 2 processes × 2 workers: two engines on the JVM's
    // shared media driver, items crossing the real Aeron transport and serde.
    int clusterRuns = args.length > 2 ? Integer.parseInt(args[2]) : 50;
    DataflowRunner cluster = DataflowRunner.withWorkers(2).withProcesses(2);
    double[] clustered = timed(() -> oneTest(cluster), Math.max(5, clusterRuns / 5), clusterRuns);

    System.out.printf(Locale.ROOT, "first run (cold JVM): %.1f ms%n", firstMs);
    report("runner.run + assertions", direct);
    report("the same, emit check off", withoutEmitCheck);
    report("@DataflowTest via JUnit Platform", junit);
    report("2 processes x 2 workers (in JVM)", clustered);
    System.out.printf(Locale.ROOT, "JVM: %s %s, %d CPUs%n", System.getProperty("java.vm.name"),
        System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
  }

  /** Runs {@code test} {@code warmup} times, then {@code measured} times, returning each measured run's milliseconds. */
  private static double[] timed(Runnable test, int warmup, int measured) {
    for (int i = 0; i < warmup; i++) {
      test.run();
    }
    double[] ms = new double[measured];
    for (int i = 0; i < measured; i++) {
      long t0 = System.nanoTime();
      test.run();
      ms[i] = (System.nanoTime() - t0) / 1e6;
    }
    return ms;
  }

  private static void report(String what, double[] ms) {
    double[] s = ms.clone();
    Arrays.sort(s);
    System.out.printf(Locale.ROOT, "%-34s n=%d  median %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms%n", what,
        s.length, pct(s, 50), pct(s, 90), pct(s, 99), s[s.length - 1]);
  }

  private static double pct(double[] sorted, int p) {
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }
}
