package io.sluice.testkit;

import static io.sluice.testkit.SluiceAssertions.assertThat;

import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.KV;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * Where the first test of a JVM spends its time: run it in a fresh JVM (see docs/PERFORMANCE.md,
 * "Cold start"). Not a unit test: it prints phase durations and asserts nothing about time. Phases
 * of the first one-process test (building the flow, the run, the output assertion, the placement
 * assertion), then a second one, then the first and second in-JVM cluster runs (2 processes × 2
 * workers) of the same test.
 *
 * <p>Arguments: none, {@code no-cluster}; {@code junit}: the same two tests as {@code @DataflowTest}
 * methods launched through the JUnit Platform, as Surefire launches them, timing each invocation
 * as Surefire reports it (from the start to the end of the test, JUnit's own start-up not
 * included); {@code tail N [W]}: after the first cluster run, {@code W} more (20 unless given),
 * then {@code N} timed ones (median, p90, p99, how many took over 90 ms, the process's CPU time per
 * run, and the slowest 1 % with when each started and whether a GC ran during it).
 */
public final class ColdStartHarness {
  private ColdStartHarness() {}

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("junit")) {
      viaJunit();
      System.exit(0);
    }
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
      if (args.length > 1 && args[0].equals("tail")) {
        int n = Integer.parseInt(args[1]);
        int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        for (int i = 0; i < warmup; i++) {
          OverheadHarness.oneTest(clustered);
        }
        double[] runs = new double[n];
        double[] startedAt = new double[n];
        boolean[] gcDuring = new boolean[n];
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu = os.getProcessCpuTime();
        long first = System.nanoTime();
        for (int i = 0; i < n; i++) {
          long gcs = collections();
          long t = System.nanoTime();
          OverheadHarness.oneTest(clustered);
          runs[i] = ms(System.nanoTime() - t);
          startedAt[i] = ms(t - first);
          gcDuring[i] = collections() != gcs;
        }
        Integer[] bySlowness = new Integer[n];
        Arrays.setAll(bySlowness, i -> i);
        Arrays.sort(bySlowness, (a, b) -> Double.compare(runs[b], runs[a]));
        StringBuilder slowest = new StringBuilder();
        for (int k = 0; k < Math.max(1, n / 100); k++) {
          int i = bySlowness[k];
          slowest.append(String.format(Locale.ROOT, " %.1f ms at %.1f s%s", runs[i], startedAt[i] / 1000,
              gcDuring[i] ? " (GC)" : ""));
        }
        double cpuPerRun = (os.getProcessCpuTime() - cpu) / 1e6 / n;
        long over90 = Arrays.stream(runs).filter(r -> r > 90).count();
        Arrays.sort(runs);
        System.out.printf(Locale.ROOT, "cluster runs after %d: n=%d median %.1f ms p90 %.1f ms p99 %.1f ms max %.1f ms;"
            + " p99/median %.2f; over 90 ms: %d; CPU per run %.1f ms; runs with a GC: %d; slowest 1%%:%s%n", warmup + 2, n,
            pct(runs, 50), pct(runs, 90), pct(runs, 99), runs[n - 1], pct(runs, 99) / pct(runs, 50), over90, cpuPerRun,
            IntStream.range(0, n).filter(i -> gcDuring[i]).count(), slowest);
      }
    }
    System.exit(0);
  }

  private static long collections() {
    long n = 0;
    for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      n += Math.max(0, gc.getCollectionCount());
    }
    return n;
  }

  /** Classes loaded so far and the process's CPU time (ms): phases compared by work done, not by a loaded machine's wall time. */
  static String work() {
    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    return ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount() + " classes, "
        + os.getProcessCpuTime() / 1_000_000 + " ms CPU";
  }

  /** The first tests of {@link #main}'s one-process and cluster runs, as {@code @DataflowTest} methods. */
  @Fixture
  @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
  static class FirstTests {
    @Order(1)
    @DataflowTest(workers = 4)
    void oneProcess(DataflowRunner runner) {
      OverheadHarness.oneTest(runner);
    }

    @Order(2)
    @DataflowTest(workers = 4)
    void oneProcessAgain(DataflowRunner runner) {
      OverheadHarness.oneTest(runner);
    }

    @Order(3)
    @DataflowTest(workers = 2, processes = 2)
    void cluster(DataflowRunner runner) {
      OverheadHarness.oneTest(runner);
    }

    @Order(4)
    @DataflowTest(workers = 2, processes = 2)
    void clusterAgain(DataflowRunner runner) {
      OverheadHarness.oneTest(runner);
    }
  }

  /** Launches {@link FirstTests} as Surefire would and prints each invocation's time and work. */
  private static void viaJunit() {
    double jvmMs = ManagementFactory.getRuntimeMXBean().getUptime();
    long t0 = System.nanoTime();
    List<String> lines = new ArrayList<>();
    long[] firstStart = {0};
    TestExecutionListener listener = new TestExecutionListener() {
      long start;
      String before;

      @Override
      public void executionStarted(TestIdentifier id) {
        if (id.isTest()) {
          if (firstStart[0] == 0) {
            firstStart[0] = System.nanoTime();
            lines.add(String.format(Locale.ROOT, "JUnit start to first test: %.1f ms (%s)", ms(firstStart[0] - t0), work()));
          }
          before = work();
          start = System.nanoTime();
        }
      }

      @Override
      public void executionFinished(TestIdentifier id, TestExecutionResult result) {
        if (id.isTest()) {
          long end = System.nanoTime();
          lines.add(String.format(Locale.ROOT, "%s %s: %.1f ms %s; before: %s; after: %s", id.getLegacyReportingName(),
              id.getDisplayName(), ms(end - start), result.getStatus(), before, work()));
        }
      }
    };
    Launcher launcher = LauncherFactory.create();
    launcher.execute(LauncherDiscoveryRequestBuilder.request()
        .selectors(DiscoverySelectors.selectClass(FirstTests.class))
        .configurationParameter(Fixtures.PARAMETER, "true")
        .build(), listener);
    System.out.printf(Locale.ROOT, "JVM start to main: %.0f ms%n", jvmMs);
    lines.forEach(System.out::println);
  }

  private static double pct(double[] sorted, int p) {
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }
}
