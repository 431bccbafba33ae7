package io.sluice.aeron;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.connectors.IterableSource;
import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import io.sluice.inputs.DynamicSource;
import io.sluice.inputs.StatelessSourcePartition;
import io.sluice.outputs.DynamicSink;
import io.sluice.outputs.StatelessSinkPartition;
import io.sluice.run.RunConfig;
import io.sluice.run.RunResult;
import io.sluice.run.Sluice;
import io.sluice.transport.TransportException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** What a cluster of processes does besides computing: spread work, fail together, refuse bad setups, bound memory. */
class ClusterBehaviourTest {

  @Test
  void redistributeSpreadsOneReadersItemsOverTheWorkersOfBothProcesses() throws Exception {
    int items = 40_000;
    List<ListSink<Integer>> sinks = List.of(new ListSink<>(), new ListSink<>());
    List<RunResult> results = InJvmCluster.runOk(2, 2, p -> {
      Dataflow flow = new Dataflow("spread");
      flow.input("numbers", IterableSource.of(() -> IntStream.range(0, items).iterator(), 100))
          .redistribute("spread")
          .map("work", i -> i)
          .output("out", sinks.get(p));
      return flow;
    });
    long[] read = new long[4];
    long[] worked = new long[4];
    for (RunResult r : results) {
      for (int w = 0; w < 4; w++) {
        read[w] += r.step("numbers").itemsOut(w);
        worked[w] += r.step("work").itemsIn(w);
      }
    }
    assertThat(read).containsExactly(items, 0, 0, 0); // one partition: worker 0 of process 0 reads it all
    assertThat(worked).containsOnly(items / 4);       // round-robin: every worker, in both processes, gets a quarter
    List<Integer> all = new ArrayList<>(sinks.get(0).items());
    all.addAll(sinks.get(1).items());
    assertThat(all).hasSize(items).doesNotHaveDuplicates();
  }

  @Test
  void aFailureInOneProcessStopsTheOtherNamingStepWorkerAndItem() throws Exception {
    List<InJvmCluster.Outcome> outcomes = InJvmCluster.run(2, 2, p -> {
      Dataflow flow = new Dataflow("boom");
      flow.input("numbers", IterableSource.of(() -> IntStream.range(0, 1_000_000).iterator(), 100))
          .keyOn("key", i -> i % 1000)
          .statefulMap("fail-on-777", (state, v) -> {
            if (v == 777) {
              throw new IllegalStateException("bad reading");
            }
            return v;
          })
          .output("out", new ListSink<>());
      return flow;
    }, c -> c);
    int owner = io.sluice.inputs.Routing.workerFor(777, 4);
    int ownerProcess = owner / 2;
    assertThat(outcomes.get(ownerProcess).error()).isInstanceOf(io.sluice.run.StepFailedException.class)
        .hasMessageContaining("step 'fail-on-777' failed on worker " + owner)
        .hasMessageContaining("777")
        .hasRootCauseMessage("bad reading");
    assertThat(outcomes.get(1 - ownerProcess).error()).isNotNull()
        .hasMessageContaining("process " + ownerProcess + " failed")
        .hasMessageContaining("fail-on-777");
  }

  @Test
  void aPeerThatNeverStartsIsNamedAfterTheConnectTimeout() throws Exception {
    List<String> addresses = InJvmCluster.freeAddresses(2);
    RunConfig cfg = RunConfig.workers(1).withCluster(0, addresses)
        .withTransport(() -> new AeronTransport(new AeronTransport.Settings(Duration.ofSeconds(2), Duration.ofSeconds(5), 1 << 20)));
    Dataflow flow = new Dataflow("alone");
    flow.input("in", IterableSource.of(List.of(1, 2, 3))).redistribute("r").output("out", new ListSink<>());
    assertThatThrownBy(() -> Sluice.start(flow, cfg))
        .isInstanceOf(TransportException.class)
        .hasMessageContaining("process 1 at " + addresses.get(1) + " did not connect within 2 s");
  }

  @Test
  void anAddressInUseIsAClearError() throws Exception {
    try (DatagramSocket taken = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      List<String> addresses = List.of("localhost:" + taken.getLocalPort(), InJvmCluster.freeAddresses(1).get(0));
      RunConfig cfg = RunConfig.workers(1).withCluster(0, addresses);
      Dataflow flow = new Dataflow("taken");
      flow.input("in", IterableSource.of(List.of(1))).redistribute("r").output("out", new ListSink<>());
      assertThatThrownBy(() -> Sluice.start(flow, cfg))
          .isInstanceOf(TransportException.class)
          .hasMessageContaining("process 0 cannot listen on " + addresses.get(0))
          .hasMessageContaining("Address already in use");
    }
  }

  @Test
  void processesRunningDifferentFlowsRefuseToStart() throws Exception {
    List<InJvmCluster.Outcome> outcomes = InJvmCluster.run(2, 1, p -> {
      Dataflow flow = new Dataflow(p == 0 ? "one-flow" : "another-flow");
      flow.input("in", IterableSource.of(List.of(1))).redistribute("r").output("out", new ListSink<>());
      return flow;
    }, c -> c.withTransport(() -> new AeronTransport(new AeronTransport.Settings(Duration.ofSeconds(5), Duration.ofSeconds(5), 1 << 20))));
    for (InJvmCluster.Outcome o : outcomes) {
      assertThat(o.error()).isInstanceOf(TransportException.class);
    }
    assertThat(outcomes.get(0).error().getMessage() + outcomes.get(1).error().getMessage())
        .contains("runs a different dataflow");
  }

  record A(int n) implements java.io.Serializable {}

  record B(int n) implements java.io.Serializable {}

  @Test
  void processesThatRegisteredTypesInAnotherOrderExchangeThem() throws Exception {
    List<Object> received = new java.util.concurrent.CopyOnWriteArrayList<>();
    List<InJvmCluster.Outcome> outcomes = InJvmCluster.run(2, 1, p -> {
      Dataflow flow = new Dataflow("types");
      if (p == 0) {
        flow.registerTypes(A.class, B.class);
      } else {
        flow.registerTypes(B.class, A.class); // types are numbered by name, not by order
      }
      List<Object> items = p == 0 ? List.of(new A(1), new B(2), new A(3), new B(4)) : List.of();
      flow.input("in", IterableSource.of(items)).redistribute("r").inspect("seen", received::add)
          .output("out", new ListSink<>());
      return flow;
    }, c -> c.withTransport(() -> new AeronTransport(new AeronTransport.Settings(Duration.ofSeconds(5), Duration.ofSeconds(5), 1 << 20))));
    assertThat(outcomes).allSatisfy(o -> assertThat(o.error()).isNull());
    assertThat(received).containsExactlyInAnyOrder(new A(1), new B(2), new A(3), new B(4));
  }

  @Test
  void processesThatRegisteredDifferentTypesRefuseToStart() throws Exception {
    List<InJvmCluster.Outcome> outcomes = InJvmCluster.run(2, 1, p -> {
      Dataflow flow = new Dataflow("types");
      if (p == 0) {
        flow.registerTypes(A.class, B.class);
      } else {
        flow.registerTypes(A.class);
      }
      flow.input("in", IterableSource.of(List.of(1))).redistribute("r").output("out", new ListSink<>());
      return flow;
    }, c -> c.withTransport(() -> new AeronTransport(new AeronTransport.Settings(Duration.ofSeconds(5), Duration.ofSeconds(5), 1 << 20))));
    assertThat(outcomes.get(0).error().getMessage() + outcomes.get(1).error().getMessage())
        .contains("runs a different dataflow").contains("types=");
  }

  /**
   * A source that produces as fast as it can into a cross-process redistribute, and sinks that are
   * slow on purpose: what has been produced but not yet written stays bounded, because Aeron's
   * flow control pushes back to the sending step and the source stops being polled.
   */
  @Test
  void backPressureHoldsAcrossProcesses() throws Exception {
    long items = 400_000;
    AtomicLong produced = new AtomicLong();
    AtomicLong written = new AtomicLong();
    AtomicLong maxInFlight = new AtomicLong();
    InJvmCluster.runOk(2, 1, p -> {
      Dataflow flow = new Dataflow("pressure");
      flow.input("fast", p == 0 ? countingSource(items, produced) : emptySource())
          .redistribute("spread")
          .output("slow", (DynamicSink<Long>) (step, worker, count) -> new StatelessSinkPartition<>() {
            @Override
            public void writeBatch(List<Long> batch) {
              LockSupport.parkNanos(200_000); // the user's sink is slow: 0.2 ms per batch
              long w = written.addAndGet(batch.size());
              maxInFlight.accumulateAndGet(produced.get() - w, Math::max);
            }
          });
      return flow;
    });
    assertThat(written.get()).isEqualTo(items);
    // Bound: channels (16 batches x 100 items per channel pair) plus what Aeron's receive window
    // and term buffer hold of ~1.5 KB messages: far below the total. Without back-pressure the
    // source would run ahead by nearly everything.
    assertThat(maxInFlight.get()).isLessThan(items / 2);
  }

  private static DynamicSource<Long> countingSource(long items, AtomicLong produced) {
    return (step, worker, count) -> new StatelessSourcePartition<>() {
      private long next;

      @Override
      public List<Long> nextBatch() {
        if (worker != 0 || next >= items) {
          return null;
        }
        List<Long> batch = new ArrayList<>(100);
        for (int i = 0; i < 100 && next < items; i++) {
          batch.add(next++);
        }
        produced.addAndGet(batch.size());
        return batch;
      }
    };
  }

  private static DynamicSource<Long> emptySource() {
    return (step, worker, count) -> () -> null;
  }
}
