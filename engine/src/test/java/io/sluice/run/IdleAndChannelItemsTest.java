package io.sluice.run;

import static io.sluice.TestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.TestSupport;
import io.sluice.connectors.IterableSource;
import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.ValueState;
import io.sluice.outputs.DynamicSink;
import io.sluice.outputs.StatelessSinkPartition;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The idle profiles and the item bound of channels, set with Sluice's own types. */
class IdleAndChannelItemsTest {

  @Test
  void defaultsAreTheThroughputProfileAndNoItemBound() {
    RunConfig c = RunConfig.workers(2);
    assertThat(c.idle()).isSameAs(IdleProfile.THROUGHPUT);
    assertThat(c.channelItems()).isZero();
    RunConfig d = c.withIdle(IdleProfile.LATENCY).withChannelItems(64);
    assertThat(d.idle()).isSameAs(IdleProfile.LATENCY);
    assertThat(d.channelItems()).isEqualTo(64);
    assertThat(d.withWorkers(3).idle()).isSameAs(IdleProfile.LATENCY); // copies keep it
    assertThat(c.idle()).isSameAs(IdleProfile.THROUGHPUT);
    assertThat(IdleProfile.named("Latency")).isSameAs(IdleProfile.LATENCY);
    assertThat(IdleProfile.named("throughput")).isSameAs(IdleProfile.THROUGHPUT);
  }

  @Test
  void badSettingsAreRejectedNamingThem() {
    assertThatThrownBy(() -> RunConfig.workers(1).withChannelItems(-1)).hasMessageContaining("channel items")
        .hasMessageContaining("-1");
    assertThatThrownBy(() -> IdleProfile.named("fast")).hasMessageContaining("'fast'")
        .hasMessageContaining("latency");
    assertThatThrownBy(() -> Backoff.of(-1, 0, Duration.ofNanos(1), Duration.ofNanos(1))).hasMessageContaining("spins");
    assertThatThrownBy(() -> Backoff.of(0, -2, Duration.ofNanos(1), Duration.ofNanos(1))).hasMessageContaining("yields");
    assertThatThrownBy(() -> Backoff.of(0, 0, Duration.ZERO, Duration.ofNanos(1))).hasMessageContaining("minPark");
    assertThatThrownBy(() -> Backoff.of(0, 0, Duration.ofMillis(2), Duration.ofMillis(1)))
        .hasMessageContaining("maxPark");
    assertThatThrownBy(() -> RunConfig.workers(1).withIdle(null)).isInstanceOf(NullPointerException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"latency", "throughput", "custom"})
  void everyProfileRunsAKeyedCountToTheSameResult(String profile) {
    IdleProfile idle = profile.equals("custom")
        ? IdleProfile.of("custom", Backoff.of(0, 0, Duration.ofNanos(1_000), Duration.ofMillis(2)))
        : IdleProfile.named(profile);
    Dataflow flow = new Dataflow(TestSupport.uniqueName("idle"));
    ListSink<Object> sink = new ListSink<>();
    List<Long> input = LongStream.range(0, 10_000).boxed().toList();
    flow.input("in", IterableSource.of(input, 7))
        .keyOn("key", i -> String.valueOf(i % 10))
        .statefulMap("count", (ValueState<Long> st, Long v) -> {
          long n = st.get() == null ? 1 : st.get() + 1;
          st.set(n);
          return n;
        })
        .output("out", sink);
    RunResult r = run(flow, RunConfig.workers(2).withIdle(idle).withChannelItems(20));
    assertThat(r.step("out").totalIn()).isEqualTo(10_000);
    Map<Object, Long> last = new HashMap<>();
    for (Object o : sink.items()) {
      io.sluice.dataflow.KV<?, ?> kv = (io.sluice.dataflow.KV<?, ?>) o;
      last.merge(kv.key(), (Long) kv.value(), Math::max);
    }
    assertThat(last).hasSize(10).allSatisfy((k, v) -> assertThat(v).isEqualTo(1_000L));
  }

  /** A lazy generator of {@code n} longs that counts how many it has produced. */
  private static Iterable<Long> counting(long n, AtomicLong produced) {
    return () -> new Iterator<>() {
      long next;

      @Override
      public boolean hasNext() {
        return next < n;
      }

      @Override
      public Long next() {
        produced.incrementAndGet();
        return next++;
      }
    };
  }

  /**
   * Channels of 1,024 batches of 10 items would let the source run ~20,000 items ahead of a slow
   * sink; an item bound of 30 keeps it to a few hundred.
   */
  @Test
  void anItemBoundKeepsChannelsShortWhenBatchesAreSmall() {
    int workers = 2;
    int batch = 10;
    int itemBound = 30;
    long items = 30_000;
    AtomicLong produced = new AtomicLong();
    AtomicLong written = new AtomicLong();
    AtomicLong maxAhead = new AtomicLong();
    DynamicSink<Object> slow = (stepId, worker, workerCount) -> (StatelessSinkPartition<Object>) batchItems -> {
      long w = written.addAndGet(batchItems.size());
      maxAhead.accumulateAndGet(produced.get() - w, Math::max);
      LockSupport.parkNanos(5_000);
    };
    Dataflow flow = new Dataflow(TestSupport.uniqueName("items"));
    flow.input("in", IterableSource.of(counting(items, produced), batch))
        .redistribute("spread")
        .output("out", slow);
    run(flow, RunConfig.workers(workers).withChannelCapacity(1_024).withChannelItems(itemBound));
    assertThat(written).hasValue(items);
    // every channel (workers²) holds at most itemBound - 1 items plus one batch; per worker one batch
    // waits in its exchange sender, one is being generated and one is being written
    long bound = (long) workers * workers * (itemBound - 1 + batch) + 3L * batch * workers;
    assertThat(maxAhead.get()).as("items produced but not written, at most").isLessThanOrEqualTo(bound);
  }
}
