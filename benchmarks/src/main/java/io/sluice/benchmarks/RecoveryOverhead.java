package io.sluice.benchmarks;

import io.sluice.connectors.IterableSource;
import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.ValueState;
import io.sluice.recovery.RecoveryStore;
import io.sluice.run.RecoveryConfig;
import io.sluice.run.RunConfig;
import io.sluice.run.RunResult;
import io.sluice.run.Sluice;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Recovery's cost, measured in one JVM in one interleaved run so the ratios are comparable on a
 * shared machine: the keyed pipeline ({@code input → map → keyOn → running count → output}, one
 * partition) with recovery off, then with a snapshot every {@code epochMs}, alternating; then the
 * snapshot sizes and the time to resume {@code keys} keys.
 *
 * <pre>
 * java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -Xmx4g -cp benchmarks/target/benchmarks.jar \
 *     io.sluice.benchmarks.RecoveryOverhead [items] [keys] [epochMs] [rounds]
 * </pre>
 */
public final class RecoveryOverhead {
  private RecoveryOverhead() {}

  public static void main(String[] args) throws Exception {
    int items = args.length > 0 ? Integer.parseInt(args[0]) : 20_000_000;
    int keys = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
    long epochMs = args.length > 2 ? Long.parseLong(args[2]) : 1000;
    int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 3;
    String[] table = PipelineBenchmark.keyTable(keys);
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    System.out.printf("items %d, keys %d, epoch %d ms, %d rounds, load %.1f%n", items, keys, epochMs, rounds,
        os.getSystemLoadAverage());
    List<Double> ratios = new ArrayList<>();
    for (int r = 0; r < rounds + 1; r++) {
      double off = run(table, items, epochMs, null, os, r == 0 ? "warm-up off" : "off");
      Path dir = Files.createTempDirectory("sluice-recovery-bench");
      RecoveryStore.init(dir, 4);
      double on = run(table, items, epochMs, dir, os, r == 0 ? "warm-up on" : "on");
      RecoveryStore.Info info = RecoveryStore.inspect(dir);
      long bytes = size(dir);
      System.out.printf("  store: %d complete epochs, %.1f MB on disk, %d keys%n", info.completeEpochs().size(),
          bytes / 1e6, info.keysPerStep().getOrDefault("count", 0L));
      if (r > 0) {
        ratios.add(on / off);
        // resume: the same flow over the same input, whose source resumes at its end: reading back the keys is all it does
        long t0 = System.nanoTime();
        RunResult resumed = Sluice.run(flow(table, items, new PipelineBenchmark.CountingSink()), config(epochMs, dir));
        System.out.printf("  resume of %d keys and end: %.0f ms (items read again: %d)%n",
            info.keysPerStep().getOrDefault("count", 0L), (System.nanoTime() - t0) / 1e6,
            resumed.step("in").totalOut());
      }
      delete(dir);
    }
    System.out.printf("recovery on / off, items/s: %s%n", ratios);
  }

  private static RunConfig config(long epochMs, Path dir) {
    RunConfig c = RunConfig.workers(1).withEpochInterval(Duration.ofMillis(epochMs));
    return dir == null ? c : c.withRecovery(RecoveryConfig.in(dir));
  }

  /** What the recovery writer reported: writes, snapshots, bytes and nanoseconds, summed. */
  static final class WriterStats implements io.sluice.run.RunObserver {
    final java.util.concurrent.atomic.AtomicLongArray sums = new java.util.concurrent.atomic.AtomicLongArray(4);

    @Override
    public void snapshotsWritten(long epoch, long snapshots, long bytes, long nanos) {
      sums.addAndGet(0, 1);
      sums.addAndGet(1, snapshots);
      sums.addAndGet(2, bytes);
      sums.addAndGet(3, nanos);
    }

    String describe() {
      long writes = Math.max(1, sums.get(0));
      return String.format("  writer: %d writes, per write %.0f snapshots, %.1f MB, %.0f ms (SQLite and encoding)",
          sums.get(0), (double) sums.get(1) / writes, sums.get(2) / 1e6 / writes, sums.get(3) / 1e6 / writes);
    }
  }

  private static double run(String[] table, int items, long epochMs, Path dir,
      com.sun.management.OperatingSystemMXBean os, String label) {
    PipelineBenchmark.CountingSink sink = new PipelineBenchmark.CountingSink();
    WriterStats stats = new WriterStats();
    long cpu0 = os.getProcessCpuTime();
    long t0 = System.nanoTime();
    Sluice.run(flow(table, items, sink), config(epochMs, dir).withObserver(stats));
    long wall = System.nanoTime() - t0;
    long cpu = os.getProcessCpuTime() - cpu0;
    if (sink.total.get() != items) {
      throw new IllegalStateException("sink saw " + sink.total.get() + " items, expected " + items);
    }
    double perSec = items / (wall / 1e9);
    System.out.printf("%-12s %6.2f M items/s, %6.1f process-CPU ns/item%n", label, perSec / 1e6, (double) cpu / items);
    if (dir != null) {
      System.out.println(stats.describe());
    }
    return perSec;
  }

  private static Dataflow flow(String[] table, int items, PipelineBenchmark.CountingSink sink) {
    int n = table.length;
    Dataflow flow = new Dataflow("recovery-bench");
    flow.input("in", IterableSource.of(new PipelineBenchmark.IntRange(0, items), 1000))
        .map("key-of", (Integer i) -> table[i % n])
        .keyOn("key", (String s) -> s)
        .statefulMap("count", (ValueState<Long> state, String v) -> {
          Long c = state.get();
          Long next = c == null ? 1L : c + 1L;
          state.set(next);
          return next;
        })
        .output("out", sink);
    return flow;
  }

  private static long size(Path dir) throws IOException {
    try (var s = Files.list(dir)) {
      return s.mapToLong(p -> p.toFile().length()).sum();
    }
  }

  private static void delete(Path dir) throws IOException {
    try (var s = Files.list(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Files.delete(p);
      }
    }
    Files.delete(dir);
  }

}
