package io.sluice.run;

import static io.sluice.TestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.TestSupport;
import io.sluice.connectors.IterableSource;
import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.Stream;
import io.sluice.dataflow.ValueState;
import io.sluice.outputs.DynamicSink;
import io.sluice.outputs.StatelessSinkPartition;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A fast source feeding a slow sink through an exchange: bounded channels make the source wait,
 * so the items produced but not yet written stay under a bound that does not grow with the input.
 */
class BackpressureTest {
  private static final int BATCH = 100;
  private static final int CAPACITY = 4;

  /** A lazy generator of {@code n} longs that counts how many it has produced. */
  private static Iterable<Long> counting(long from, long n, AtomicLong produced) {
    return () -> new Iterator<>() {
      long next = from;

      @Override
      public boolean hasNext() {
        return next < from + n;
      }

      @Override
      public Long next() {
        produced.incrementAndGet();
        return next++;
      }
    };
  }

  /** A sink that is slow on purpose and records, at every write, how far the source is ahead of it. */
  private static final class SlowSink implements DynamicSink<Object> {
    final AtomicLong produced;
    final AtomicLong written = new AtomicLong();
    final AtomicLong maxAhead = new AtomicLong();
    final AtomicLong writes = new AtomicLong();

    SlowSink(AtomicLong produced) {
      this.produced = produced;
    }

    @Override
    public StatelessSinkPartition<Object> build(String stepId, int worker, int workerCount) {
      return items -> {
        long w = written.addAndGet(items.size());
        long ahead = produced.get() - w;
        maxAhead.accumulateAndGet(ahead, Math::max);
        writes.incrementAndGet();
        LockSupport.parkNanos(20_000); // the slow part: user code taking its time per batch
      };
    }
  }

  /**
   * What can be produced but not yet written: every channel full (workers² channels of CAPACITY
   * messages of at most BATCH items), plus per worker one source batch waiting in its exchange
   * sender, one batch being generated and one batch taken from a channel but not yet written.
   */
  private static long bound(int workers) {
    return (long) CAPACITY * BATCH * workers * workers + 3L * BATCH * workers;
  }

  private static SlowSink runThroughSlowSink(int workers, long items, int partitions,
      Function<Stream<Long>, Stream<?>> exchange) {
    AtomicLong produced = new AtomicLong();
    Map<String, Iterable<Long>> parts = new LinkedHashMap<>();
    long per = items / partitions;
    for (int p = 0; p < partitions; p++) {
      parts.put("p" + p, counting(p * per, per, produced));
    }
    SlowSink sink = new SlowSink(produced);
    Dataflow flow = new Dataflow(TestSupport.uniqueName("backpressure"));
    @SuppressWarnings("unchecked")
    Stream<Object> out = (Stream<Object>) exchange.apply(flow.input("in", IterableSource.partitioned(parts, BATCH)));
    out.output("out", sink);
    RunResult r = run(flow, RunConfig.workers(workers).withChannelCapacity(CAPACITY));
    assertThat(produced).hasValue(items);
    assertThat(sink.written).hasValue(items);
    assertThat(r.step("out").totalIn()).isEqualTo(items);
    return sink;
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4})
  void aFastSourceWaitsForASlowSinkBehindRedistribute(int workers) {
    long items = 2_000_000;
    SlowSink sink = runThroughSlowSink(workers, items, 1, s -> s.redistribute("spread"));
    assertThat(sink.maxAhead.get()).as("items produced but not written, at most").isLessThanOrEqualTo(bound(workers));
    assertThat(bound(workers)).isLessThan(items / 100);
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 4})
  void aFastSourceWaitsForASlowSinkBehindAKeyedStep(int workers) {
    long items = 1_000_000;
    SlowSink sink = runThroughSlowSink(workers, items, 4, s -> s
        .keyOn("key", i -> i % 64)
        .statefulMap("pass", (ValueState<Long> st, Long v) -> {
          st.set(v);
          return v;
        }));
    assertThat(sink.maxAhead.get()).as("items produced but not written, at most").isLessThanOrEqualTo(bound(workers));
  }
}
