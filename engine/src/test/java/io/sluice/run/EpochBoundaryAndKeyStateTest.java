package io.sluice.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.KV;
import io.sluice.inputs.EpochBoundary;
import io.sluice.inputs.FixedPartitionedSource;
import io.sluice.inputs.SourcePartition;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The two runtime hooks of interactive tests: a partition that ends epochs itself
 * ({@link EpochBoundary}), and reading one key's state on its worker ({@link RunningDataflow#keyState}).
 */
class EpochBoundaryAndKeyStateTest {
  static final Instant ORIGIN = Instant.parse("2026-01-01T00:00:00Z");

  /**
   * One partition: one item per batch, an epoch closed after each, then empty batches until
   * {@code release} is set, then the end.
   */
  static final class OnePerEpoch implements FixedPartitionedSource<String, Integer> {
    final List<String> items;
    final AtomicBoolean release;
    final List<Long> askedWith = new CopyOnWriteArrayList<>();

    OnePerEpoch(List<String> items, AtomicBoolean release) {
      this.items = items;
      this.release = release;
    }

    @Override
    public List<String> listPartitions() {
      return List.of("only");
    }

    @Override
    public SourcePartition<String, Integer> buildPartition(String stepId, String partition, Integer resume) {
      return new Part();
    }

    final class Part implements SourcePartition<String, Integer>, EpochBoundary {
      int next;

      @Override
      public List<String> nextBatch() {
        if (next < items.size()) {
          return new ArrayList<>(List.of(items.get(next++)));
        }
        return release.get() ? null : new ArrayList<>();
      }

      @Override
      public boolean closeEpochAfterBatch(long openEpoch) {
        askedWith.add(openEpoch);
        return askedWith.size() <= items.size(); // after each item; never for the empty batches after
      }

      @Override
      public Integer snapshot() {
        return next;
      }
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4})
  void aPartitionClosesAnEpochAfterEachBatchItAsksFor(int workers) {
    OnePerEpoch src = new OnePerEpoch(List.of("x1", "x2", "x3"), new AtomicBoolean(true));
    Map<String, Long> epochOf = new ConcurrentHashMap<>();
    Dataflow flow = new Dataflow("boundaries");
    flow.input("in", src)
        .redistribute("spread")
        .inspect("epoch", (String item, int worker, long epoch) -> epochOf.put(item, epoch))
        .output("out", new ListSink<>());
    RunningDataflow run = Sluice.start(flow, RunConfig.workers(workers).withVirtualTime(ORIGIN));
    run.await(Duration.ofSeconds(30));
    assertThat(epochOf).containsExactlyInAnyOrderEntriesOf(Map.of("x1", 1L, "x2", 2L, "x3", 3L));
    assertThat(src.askedWith.subList(0, 3)).containsExactly(1L, 2L, 3L);
    assertThat(run.completedEpoch()).isEqualTo(Long.MAX_VALUE); // every worker finished
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4})
  void aKeysStateIsReadOnItsWorkerWhileTheRunGoesOn(int workers) throws Exception {
    AtomicBoolean release = new AtomicBoolean();
    OnePerEpoch src = new OnePerEpoch(List.of("a", "b", "a"), release);
    Dataflow flow = new Dataflow("key-state");
    flow.input("in", src)
        .keyOn("key", s -> s)
        .<Long, Long>statefulMap("count", (state, s) -> {
          long n = state.get() == null ? 1 : state.get() + 1;
          state.set(n);
          return n;
        })
        .map("value", KV::value)
        .output("out", new ListSink<>());
    RunningDataflow run = Sluice.start(flow, RunConfig.workers(workers).withVirtualTime(ORIGIN));
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> run.completedEpoch() >= 3);
      assertThat(run.keyState("count", "a").get(30, TimeUnit.SECONDS)).isEqualTo(Optional.of(2L));
      assertThat(run.keyState("count", "b").get(30, TimeUnit.SECONDS)).isEqualTo(Optional.of(1L));
      assertThat(run.keyState("count", "never").get(30, TimeUnit.SECONDS)).isEmpty();
      assertThatThrownBy(() -> run.keyState("value", "a")).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("no stateful step 'value'").hasMessageContaining("[count]");
      assertThat(run.isDone()).isFalse();
    } finally {
      release.set(true);
    }
    run.await(Duration.ofSeconds(30));
    assertThatThrownBy(() -> run.keyState("count", "a").get(30, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class).hasMessageContaining("no longer running");
  }
}
