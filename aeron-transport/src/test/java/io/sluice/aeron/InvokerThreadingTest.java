package io.sluice.aeron;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.KV;
import io.sluice.dataflow.ValueState;
import io.sluice.inputs.DynamicSource;
import io.sluice.inputs.Routing;
import io.sluice.inputs.StatelessSourcePartition;
import io.sluice.run.IdleProfile;
import io.sluice.run.RunConfig;
import io.sluice.run.TransportThreading;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link TransportThreading#INVOKER}: the workers run the media driver, the Aeron client's conductor
 * and the poll. Two processes that both send more than the buffers between them hold (Aeron's
 * term buffers and the channels) must not deadlock: each worker, while its output is refused, keeps
 * taking in what the other sends.
 */
class InvokerThreadingTest {

  /** Every key of {@code keys} that routes to global worker {@code worker} of {@code workers}. */
  private static List<String> keysOf(int worker, int workers, int keys) {
    List<String> out = new ArrayList<>();
    for (int i = 0; out.size() < keys; i++) {
      String k = "k" + i;
      if (Routing.workerFor(k, workers) == worker) {
        out.add(k);
      }
    }
    return out;
  }

  /**
   * Worker w's partition emits {@code count} strings of {@code size} chars, all keyed to workers of
   * the other process: everything crosses, in both directions at once.
   */
  private static DynamicSource<String> crossing(int count, int size, int workersPerProcess) {
    int workers = 2 * workersPerProcess;
    return (step, worker, workerCount) -> new StatelessSourcePartition<>() {
      final int otherProcess = worker / workersPerProcess == 0 ? 1 : 0;
      final List<String> keys = new ArrayList<>();
      int next;

      {
        for (int w = otherProcess * workersPerProcess; w < (otherProcess + 1) * workersPerProcess; w++) {
          keys.addAll(keysOf(w, workers, 4));
        }
      }

      @Override
      public List<String> nextBatch() {
        if (next >= count) {
          return null;
        }
        List<String> batch = new ArrayList<>();
        for (int i = 0; i < 50 && next < count; i++, next++) {
          batch.add(keys.get(next % keys.size()) + ":" + "x".repeat(size));
        }
        return batch;
      }
    };
  }

  private static Map<String, Long> run(RunConfig config, int count, int size) {
    int wpp = config.workersPerProcess();
    List<ListSink<KV<String, Long>>> sinks = List.of(new ListSink<>(), new ListSink<>());
    LocalCluster.run(2, config, p -> {
      Dataflow flow = new Dataflow("invoker-crossing");
      flow.input("in", crossing(count, size, wpp))
          .keyOn("key", (String s) -> s.substring(0, s.indexOf(':')))
          .statefulMap("count", (ValueState<Long> st, String v) -> {
            long n = st.get() == null ? 1 : st.get() + 1;
            st.set(n);
            return n;
          })
          .output("out", sinks.get(p));
      return flow;
    }, Duration.ofSeconds(120));
    Map<String, Long> last = new HashMap<>();
    for (ListSink<KV<String, Long>> s : sinks) {
      for (KV<String, Long> kv : s.items()) {
        last.merge(kv.key(), kv.value(), Math::max);
      }
    }
    return last;
  }

  @ParameterizedTest(name = "{0} worker(s) per process")
  @CsvSource({"1", "2"})
  void twoProcessesSendingMoreThanTheBuffersHoldBothWaysDoNotDeadlock(int workersPerProcess) {
    // 1 KiB items, 12,000 per worker: 12 MiB each way per worker, against 1 MiB terms and 16-batch channels
    int count = 12_000;
    RunConfig config = RunConfig.workers(workersPerProcess)
        .withIdle(IdleProfile.THROUGHPUT.withThreading(TransportThreading.INVOKER));
    Map<String, Long> counts = run(config, count, 1_024);
    long total = counts.values().stream().mapToLong(Long::longValue).sum();
    assertThat(total).isEqualTo(2L * workersPerProcess * count);
    assertThat(counts).hasSize(2 * workersPerProcess * 4);
  }

  @Test
  void theLatencyProfileRunsTheTransportOnTheWorkers() {
    assertThat(IdleProfile.LATENCY.threading()).isEqualTo(TransportThreading.INVOKER);
    assertThat(IdleProfile.THROUGHPUT.threading()).isEqualTo(TransportThreading.SHARED);
    Map<String, Long> counts = run(RunConfig.workers(1).withIdle(IdleProfile.LATENCY), 2_000, 16);
    assertThat(counts.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(4_000L);
  }

  @Test
  void theSystemPropertyOverridesTheProfileAndRejectsOtherValues() {
    io.sluice.transport.ClusterSpec spec = new io.sluice.transport.ClusterSpec(0, List.of("localhost:1", "localhost:2"),
        1, List.of("a"), List.of(), "sig", null, List.of(), Map.of(), IdleProfile.THROUGHPUT);
    String old = System.getProperty(AeronTransport.Settings.THREADING_PROPERTY);
    try {
      assertThat(AeronTransport.threading(spec)).isEqualTo(TransportThreading.SHARED);
      System.setProperty(AeronTransport.Settings.THREADING_PROPERTY, "Invoker");
      assertThat(AeronTransport.threading(spec)).isEqualTo(TransportThreading.INVOKER);
      System.setProperty(AeronTransport.Settings.THREADING_PROPERTY, "dedicated");
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> AeronTransport.threading(spec))
          .hasMessageContaining(AeronTransport.Settings.THREADING_PROPERTY).hasMessageContaining("'dedicated'");
    } finally {
      if (old == null) {
        System.clearProperty(AeronTransport.Settings.THREADING_PROPERTY);
      } else {
        System.setProperty(AeronTransport.Settings.THREADING_PROPERTY, old);
      }
    }
  }
}
