package io.sluice.testkit;

import static io.sluice.testkit.SluiceAssertions.assertThat;

import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.KV;
import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * Where the first test of a JVM spends its time: run it in a fresh JVM (see docs/PERFORMANCE.md,
 * "Cold start"). Not a unit test: it prints phase durations and asserts nothing about time. Phases
 * of the first one-process test (building the flow, the run, the output assertion, the placement
 * assertion), then a second one, then the first and second in-JVM cluster runs (2 processes × 2
 * workers) of the same test.
 */
public final class ColdStartHarness {
  private ColdStartHarness() {}

  public static void main(String[] args) {
    boolean cluster = args.length == 0 || !args[0].equals("no-cluster");
    double jvmMs = ManagementFactory.getRuntimeMXBean().getUptime();
    String w0 = work();
    long t0 = System.nanoTime();
    TestSink<KV<Integer, Long>> out = new TestSink<>();
    Dataflow flow = OverheadHarness.flow(out);
    long t1 = System.nanoTime();
    String w1 = work();
    DataflowRunner runner = DataflowRunner.withWorkers(4);
    TestRun run = runner.run(flow);
    long t2 = System.nanoTime();
    String w2 = work();
    assertThat(run.output(out)).containsExactlyInOrderWithinKeyElementsOf(KV::key, OverheadHarness.EXPECTED);
    long t3 = System.nanoTime();
    String w3 = work();
    assertThat(run).step("sum").hasEachKeyOnTheWorkerRoutingPredicts();
    long t4 = System.nanoTime();
    OverheadHarness.oneTest(runner);
    long t5 = System.nanoTime();
    System.out.printf(Locale.ROOT, "JVM start to main: %.0f ms; at main: %s; flow built: %s; after run: %s;"
        + " after output assertion: %s; after second test: %s%n", jvmMs, w0, w1, w2, w3, work());
    System.out.printf(Locale.ROOT, "first test: %.1f ms = build flow %.1f + run %.1f + output assertion %.1f"
        + " + placement assertion %.1f; second test %.1f ms%n", ms(t4 - t0), ms(t1 - t0), ms(t2 - t1), ms(t3 - t2),
        ms(t4 - t3), ms(t5 - t4));
    if (cluster) {
      DataflowRunner clustered = DataflowRunner.withWorkers(2).withProcesses(2);
      long c0 = System.nanoTime();
      OverheadHarness.oneTest(clustered);
      long c1 = System.nanoTime();
      String wc = work();
      OverheadHarness.oneTest(clustered);
      long c2 = System.nanoTime();
      System.out.printf(Locale.ROOT, "first cluster run (2 processes x 2 workers): %.1f ms; second %.1f ms;"
          + " after first: %s; after second: %s%n", ms(c1 - c0), ms(c2 - c1), wc, work());
    }
    System.exit(0);
  }

  /** Classes loaded so far and the process's CPU time (ms): phases compared by work done, not by a loaded machine's wall time. */
  static String work() {
    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    return ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount() + " classes, "
        + os.getProcessCpuTime() / 1_000_000 + " ms CPU";
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }
}
