package io.sluice.benchmarks;

import io.sluice.connectors.IterableSource;
import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.KV;
import io.sluice.dataflow.ValueState;
import io.sluice.inputs.DynamicSource;
import io.sluice.inputs.Source;
import io.sluice.inputs.StatelessSourcePartition;
import io.sluice.outputs.DynamicSink;
import io.sluice.outputs.StatelessSinkPartition;
import io.sluice.run.RunConfig;
import io.sluice.run.Sluice;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Engine throughput of {@code input → map → keyOn → statefulMap (running count per key) → output}.
 *
 * <p>One benchmark invocation runs the whole dataflow to completion over {@link #ITEMS} items
 * with {@link Sluice#run} (threads started, dataflow finished, threads joined); the score is
 * items per second over all workers ({@code @OperationsPerInvocation(ITEMS)}, so one "op" is one
 * item).
 *
 * <ul>
 *   <li>{@code source=perWorker}: a {@link DynamicSource}; every worker generates its share
 *       ({@code ITEMS / workers}) of the sequence, so with 2 workers there are 2 producers.</li>
 *   <li>{@code source=single}: an {@link IterableSource} with one partition; only worker 0 reads,
 *       and the other workers only receive what the keyed exchange sends them.</li>
 * </ul>
 *
 * <p>Items are {@code Integer} sequence numbers (boxed by the source, as a real source allocates
 * its items). {@code map} turns item {@code i} into the key string {@code KEYS[i % keys]} (a
 * precomputed table, so no per-item string building), {@code keyOn} keys by that string,
 * {@code statefulMap} keeps a {@code Long} count per key and emits it, and the sink only counts
 * the items it receives (per worker, no storing). The run checks that exactly {@code ITEMS}
 * items reached the sink.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xms2g", "-Xmx2g"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class PipelineBenchmark {
  /** Items per invocation (one complete run of the dataflow). */
  public static final int ITEMS = 5_000_000;
  /** Items per source batch. */
  public static final int BATCH = 1000;

  @Param({"1", "2"})
  public int workers;

  @Param({"100", "1000000"})
  public int keys;

  @Param({"perWorker", "single"})
  public String source;

  private String[] keyTable;
  private final CpuMeter cpu = new CpuMeter();

  @Setup(Level.Trial)
  public void setUp() {
    keyTable = keyTable(keys);
  }

  @Setup(Level.Iteration)
  public void startIteration() {
    cpu.start();
  }

  @TearDown(Level.Iteration)
  public void endIteration() {
    cpu.report();
  }

  static String[] keyTable(int keys) {
    String[] t = new String[keys];
    for (int i = 0; i < keys; i++) {
      t[i] = "key-" + i;
    }
    return t;
  }

  @Benchmark
  @OperationsPerInvocation(ITEMS)
  public long pipeline() {
    CountingSink sink = new CountingSink();
    Sluice.run(flow(source(), sink), RunConfig.workers(workers));
    long n = sink.total.get();
    if (n != ITEMS) {
      throw new IllegalStateException("sink saw " + n + " items, expected " + ITEMS);
    }
    cpu.items += n;
    return n;
  }

  private Source<Integer> source() {
    switch (source) {
      case "perWorker":
        return new RangeSource(ITEMS, BATCH);
      case "single":
        return IterableSource.of(new IntRange(0, ITEMS), BATCH);
      default:
        throw new IllegalArgumentException("unknown source " + source);
    }
  }

  private Dataflow flow(Source<Integer> src, CountingSink sink) {
    String[] table = keyTable;
    int n = table.length;
    Dataflow flow = new Dataflow("bench");
    flow.input("in", src)
        .map("key-of", (Integer i) -> table[i % n])
        .keyOn("key", (String s) -> s)
        .statefulMap("count", (ValueState<Long> state, String v) -> {
          Long c = state.get();
          Long next = c == null ? 1L : c + 1L; // boxed once: the same Long is the state and the output
          state.set(next);
          return next;
        })
        .output("out", sink);
    return flow;
  }

  /** The ints {@code [from, to)}, boxed lazily. */
  static final class IntRange implements Iterable<Integer> {
    private final int from;
    private final int to;

    IntRange(int from, int to) {
      this.from = from;
      this.to = to;
    }

    @Override
    public Iterator<Integer> iterator() {
      return new Iterator<>() {
        private int next = from;

        @Override
        public boolean hasNext() {
          return next < to;
        }

        @Override
        public Integer next() {
          if (next >= to) {
            throw new NoSuchElementException();
          }
          return next++;
        }
      };
    }
  }

  /** A generator on every worker: worker w of W produces its contiguous share of {@code [0, total)}. */
  static final class RangeSource implements DynamicSource<Integer> {
    private final int total;
    private final int batch;

    RangeSource(int total, int batch) {
      this.total = total;
      this.batch = batch;
    }

    @Override
    public StatelessSourcePartition<Integer> build(String stepId, int workerIndex, int workerCount) {
      int from = (int) ((long) total * workerIndex / workerCount);
      int to = (int) ((long) total * (workerIndex + 1) / workerCount);
      return new StatelessSourcePartition<>() {
        private int next = from;

        @Override
        public List<Integer> nextBatch() {
          if (next >= to) {
            return null;
          }
          int end = Math.min(to, next + batch);
          List<Integer> out = new ArrayList<>(end - next);
          for (int i = next; i < end; i++) {
            out.add(i);
          }
          next = end;
          return out;
        }
      };
    }
  }

  /** Counts what each worker writes; adds its count to {@code total} when the worker's partition closes. */
  static final class CountingSink implements DynamicSink<KV<String, Long>> {
    final AtomicLong total = new AtomicLong();

    @Override
    public StatelessSinkPartition<KV<String, Long>> build(String stepId, int workerIndex, int workerCount) {
      return new StatelessSinkPartition<>() {
        private long count;

        @Override
        public void writeBatch(List<KV<String, Long>> items) {
          count += items.size();
        }

        @Override
        public void close() {
          total.addAndGet(count);
        }
      };
    }
  }
}
