package io.sluice.benchmarks;

import java.lang.management.ManagementFactory;

/**
 * Process CPU time per item over one JMH iteration, printed as a line starting with
 * {@code [cpu]}. On a shared machine wall-clock throughput depends on what else runs; CPU time
 * per item (all threads of the benchmark JVM: workers, GC, JIT) depends much less on it.
 */
final class CpuMeter {
  private final com.sun.management.OperatingSystemMXBean os =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
  private long cpu0;
  private long wall0;
  long items;

  void start() {
    items = 0;
    cpu0 = os.getProcessCpuTime();
    wall0 = System.nanoTime();
  }

  void report() {
    long cpu = os.getProcessCpuTime() - cpu0;
    long wall = System.nanoTime() - wall0;
    if (items > 0) {
      System.out.printf("[cpu] %.1f process-CPU ns/item, %.1f wall ns/item, %.2f cores busy, %d items%n",
          (double) cpu / items, (double) wall / items, (double) cpu / wall, items);
    }
  }
}
