package io.sluice.aeron;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.connectors.IterableSource;
import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.KV;
import io.sluice.dataflow.ValueState;
import io.sluice.run.Backoff;
import io.sluice.run.IdleProfile;
import io.sluice.run.RunConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The run's idle profile reaches the transport's poller and the media driver; both profiles run a 2-process keyed count. */
class IdleProfileClusterTest {

  @ParameterizedTest
  @ValueSource(strings = {"latency", "throughput"})
  void aTwoProcessKeyedCountGivesTheSameCountsUnderEitherProfile(String profile) {
    List<ListSink<Object>> sinks = new ArrayList<>();
    for (int p = 0; p < 2; p++) {
      sinks.add(new ListSink<>());
    }
    LocalCluster.run(2, RunConfig.workers(2).withIdle(IdleProfile.named(profile)).withChannelItems(50), p -> {
      Dataflow flow = new Dataflow("idle-cluster-" + profile);
      flow.input("in", IterableSource.of(LongStream.range(0, 4_000).boxed().toList(), 5))
          .keyOn("key", i -> String.valueOf(i % 8))
          .statefulMap("count", (ValueState<Long> st, Long v) -> {
            long n = st.get() == null ? 1 : st.get() + 1;
            st.set(n);
            return n;
          })
          .output("out", sinks.get(p));
      return flow;
    }, Duration.ofSeconds(60));
    Map<Object, Long> last = new HashMap<>();
    for (ListSink<Object> s : sinks) {
      for (Object o : s.items()) {
        KV<?, ?> kv = (KV<?, ?>) o;
        last.merge(kv.key(), (Long) kv.value(), Math::max);
      }
    }
    assertThat(last).hasSize(8).allSatisfy((k, v) -> assertThat(v).isEqualTo(500L));
  }

  @org.junit.jupiter.api.Test
  void theMappingKeepsEveryParameter() {
    Backoff b = Backoff.of(3, 7, Duration.ofNanos(2_000), Duration.ofMillis(5));
    IdleProfile p = IdleProfile.THROUGHPUT.withTransportPoller(b).withMediaDriver(b);
    assertThat(AeronIdle.poller(p)).isInstanceOf(BackoffIdleStrategy.class)
        .hasToString(new BackoffIdleStrategy(3, 7, 2_000, 5_000_000).toString());
    assertThat(AeronIdle.driver(p)).hasToString(new BackoffIdleStrategy(3, 7, 2_000, 5_000_000).toString());
  }
}
