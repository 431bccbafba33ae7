package io.sluice.benchmarks;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import io.sluice.dataflow.KV;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The same work as {@link PipelineBenchmark} without the engine, on the calling thread: boxed
 * sequence numbers in batches of 1000, key lookup, a {@code HashMap<String, Long>} running count,
 * one {@link KV} per output, counted. It is the ceiling for one worker: what the per-item work
 * itself costs, so the difference to {@code PipelineBenchmark} (workers=1) is the engine's cost.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xms2g", "-Xmx2g"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class BaselineBenchmark {
  @Param({"100", "1000000"})
  public int keys;

  private String[] keyTable;

  @Setup(Level.Trial)
  public void setUp() {
    keyTable = PipelineBenchmark.keyTable(keys);
  }

  @Benchmark
  @OperationsPerInvocation(PipelineBenchmark.ITEMS)
  public long plainLoop() {
    String[] table = keyTable;
    int n = table.length;
    Map<String, Long> counts = new HashMap<>();
    long out = 0;
    for (int start = 0; start < PipelineBenchmark.ITEMS; start += PipelineBenchmark.BATCH) {
      int end = Math.min(PipelineBenchmark.ITEMS, start + PipelineBenchmark.BATCH);
      List<Integer> batch = new ArrayList<>(end - start);
      for (int i = start; i < end; i++) {
        batch.add(i);
      }
      List<KV<String, Long>> results = new ArrayList<>(batch.size());
      for (Integer item : batch) {
        String key = table[item % n];
        Long c = counts.get(key);
        Long next = c == null ? 1L : c + 1L; // boxed once, as in PipelineBenchmark
        counts.put(key, next);
        results.add(KV.of(key, next));
      }
      out += results.size();
    }
    if (out != PipelineBenchmark.ITEMS) {
      throw new IllegalStateException("counted " + out);
    }
    return out;
  }
}
