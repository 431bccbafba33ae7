package io.sluice.benchmarks;

import io.sluice.connectors.IterableSource;
import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.ValueState;
import io.sluice.outputs.DynamicSink;
import io.sluice.outputs.StatelessSinkPartition;
import io.sluice.run.RunConfig;
import io.sluice.run.Sluice;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The engine's cost per batch: the latency flow's steps (source → map → keyOn (100 keys) →
 * running count → sink) on one worker, one-shot, with the source handing out {@code batch} items
 * per call; prints the process's CPU time per item for each round. At batch 1 every item is a
 * batch, so the figure is the per-batch cost of a pass through the flow (docs/PERFORMANCE.md,
 * "Read-ahead").
 *
 * <p>Usage: {@code BatchSizeCost items batch rounds}
 */
public final class BatchSizeCost {
  private BatchSizeCost() {}

  public static void main(String[] args) {
    if (args.length != 3) {
      System.err.println("usage: BatchSizeCost items batch rounds");
      System.exit(2);
    }
    int n = Integer.parseInt(args[0]);
    int batch = Integer.parseInt(args[1]);
    int rounds = Integer.parseInt(args[2]);
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    String[] keys = PipelineBenchmark.keyTable(100);
    for (int r = 0; r < rounds; r++) {
      Dataflow flow = new Dataflow("batch-size-cost-" + r);
      long[] counts = new long[2]; // items out, batches into the map step
      flow.input("in", IterableSource.of(new PipelineBenchmark.IntRange(0, n), batch))
          .flatMapBatch("map", (List<Integer> b) -> {
            counts[1]++;
            List<Integer> out = new ArrayList<>(b.size());
            for (Integer x : b) {
              out.add(x + 1);
            }
            return out;
          })
          .keyOn("key", (Integer x) -> keys[x % keys.length])
          .statefulMap("count", (ValueState<Long> st, Integer v) -> {
            long c = st.get() == null ? 1 : st.get() + 1;
            st.set(c);
            return c;
          })
          .output("out", (DynamicSink<Object>) (step, worker, workers) ->
              (StatelessSinkPartition<Object>) out -> counts[0] += out.size());
      long cpu0 = os.getProcessCpuTime();
      long t0 = System.nanoTime();
      Sluice.run(flow, RunConfig.workers(1));
      long cpu1 = os.getProcessCpuTime();
      long t1 = System.nanoTime();
      System.out.printf(Locale.ROOT, "[batch-size-cost] round %d batch %d: %.1f ns CPU per item, %.1f ns wall per item"
          + " (%d items out, %d batches)%n", r, batch, (cpu1 - cpu0) / (double) n, (t1 - t0) / (double) n,
          counts[0], counts[1]);
    }
  }
}
