package io.sluice.benchmarks;

import io.sluice.connectors.IterableSource;
import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.KV;
import io.sluice.outputs.DynamicSink;
import io.sluice.outputs.StatelessSinkPartition;
import io.sluice.run.RunConfig;
import io.sluice.run.Sluice;
import io.sluice.windowing.EventClock;
import io.sluice.windowing.Windowed;
import io.sluice.windowing.Windower;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * An event-time tumbling count per key, on one worker, beside a plain loop doing the same work.
 *
 * <p>Item {@code i} (an {@code Integer}, boxed by a one-partition source in batches of 1000) has
 * key {@code KEYS[i % keys]} and event timestamp {@code i} ms; {@code countWindow} with an
 * {@code EventClock} (no wait) counts per key in 1 s tumbling windows aligned to the epoch, and the
 * sink sums the counts (checked to equal {@link #ITEMS}: nothing is late). The run uses virtual
 * time, so the watermark follows the timestamps alone. {@code plainLoop} does
 * the same per item on the calling thread without the engine: a per-key watermark, late check,
 * a per-key {@code TreeMap} of open windows' counts, closing the windows the watermark passed, one
 * {@code KV} per closed window. Scores are items/s ({@code @OperationsPerInvocation(ITEMS)}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xms2g", "-Xmx2g"})
@Warmup(iterations = 1, time = 3)
@Measurement(iterations = 3, time = 3)
public class WindowBenchmark {
  /** Items per invocation. */
  public static final int ITEMS = 2_000_000;
  /** Window length in ms. */
  static final long WINDOW_MS = 1_000;

  @Param({"100", "1000000"})
  public int keys;

  private String[] keyTable;
  private final CpuMeter cpu = new CpuMeter();

  @Setup(Level.Trial)
  public void setUp() {
    keyTable = PipelineBenchmark.keyTable(keys);
  }

  @Setup(Level.Iteration)
  public void startIteration() {
    cpu.start();
  }

  @TearDown(Level.Iteration)
  public void endIteration() {
    cpu.report();
  }

  @Benchmark
  @OperationsPerInvocation(ITEMS)
  public long engine() {
    String[] table = keyTable;
    int n = table.length;
    SummingSink sink = new SummingSink();
    Dataflow flow = new Dataflow("window-bench");
    flow.input("in", IterableSource.of(new PipelineBenchmark.IntRange(0, ITEMS), PipelineBenchmark.BATCH))
        .keyOn("key", (Integer i) -> table[i % n])
        .countWindow("count", new EventClock<Integer>(i -> Instant.ofEpochMilli(i), Duration.ZERO),
            Windower.tumbling(Duration.ofMillis(WINDOW_MS), Instant.EPOCH))
        .down()
        .output("out", sink);
    // virtual time: the watermark follows the timestamps only (on the system clock a pause of the
    // worker longer than 100 ms would make the next items of a key late, which is EventClock's rule)
    Sluice.run(flow, RunConfig.workers(1).withVirtualTime(Instant.EPOCH));
    long total = sink.total.get();
    if (total != ITEMS) {
      throw new IllegalStateException("windows counted " + total + " items, expected " + ITEMS);
    }
    cpu.items += ITEMS;
    return total;
  }

  /** One key's state in the plain loop. */
  private static final class KeyWindows {
    long watermark = Long.MIN_VALUE;
    final TreeMap<Long, long[]> open = new TreeMap<>();
  }

  @Benchmark
  @OperationsPerInvocation(ITEMS)
  public long plainLoop() {
    String[] table = keyTable;
    int n = table.length;
    Map<String, KeyWindows> state = new HashMap<>();
    long total = 0;
    List<KV<String, Windowed<Long>>> out = new ArrayList<>();
    Iterator<Integer> items = new PipelineBenchmark.IntRange(0, ITEMS).iterator();
    while (items.hasNext()) {
      List<Integer> batch = new ArrayList<>(PipelineBenchmark.BATCH);
      for (int b = 0; b < PipelineBenchmark.BATCH && items.hasNext(); b++) {
        batch.add(items.next());
      }
      for (Integer item : batch) {
        String key = table[item % n];
        long ts = item; // ms
        KeyWindows k = state.computeIfAbsent(key, x -> new KeyWindows());
        if (ts > k.watermark) {
          k.watermark = ts;
        }
        if (ts < k.watermark) {
          continue; // late
        }
        k.open.computeIfAbsent(Math.floorDiv(ts, WINDOW_MS), w -> new long[1])[0]++;
        while (!k.open.isEmpty() && (k.open.firstKey() + 1) * WINDOW_MS <= k.watermark) {
          Map.Entry<Long, long[]> e = k.open.pollFirstEntry();
          out.add(KV.of(key, new Windowed<>(e.getKey(), e.getValue()[0])));
        }
      }
      for (KV<String, Windowed<Long>> kv : out) {
        total += kv.value().value();
      }
      out.clear();
    }
    for (KeyWindows k : state.values()) { // end of input: every window closes
      for (long[] c : k.open.values()) {
        total += c[0];
      }
    }
    if (total != ITEMS) {
      throw new IllegalStateException("windows counted " + total + " items, expected " + ITEMS);
    }
    cpu.items += ITEMS;
    return total;
  }

  /** Sums the counts each worker writes. */
  static final class SummingSink implements DynamicSink<KV<String, Windowed<Long>>> {
    final AtomicLong total = new AtomicLong();

    @Override
    public StatelessSinkPartition<KV<String, Windowed<Long>>> build(String stepId, int workerIndex, int workerCount) {
      return new StatelessSinkPartition<>() {
        private long sum;

        @Override
        public void writeBatch(List<KV<String, Windowed<Long>>> items) {
          for (KV<String, Windowed<Long>> kv : items) {
            sum += kv.value().value();
          }
        }

        @Override
        public void close() {
          total.addAndGet(sum);
        }
      };
    }
  }
}
