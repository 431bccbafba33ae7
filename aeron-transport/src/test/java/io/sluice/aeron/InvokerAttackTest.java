package io.sluice.aeron;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.KV;
import io.sluice.dataflow.ValueState;
import io.sluice.inputs.DynamicSource;
import io.sluice.inputs.StatelessSourcePartition;
import io.sluice.run.IdleProfile;
import io.sluice.run.RunConfig;
import io.sluice.run.RunResult;
import io.sluice.run.RunningDataflow;
import io.sluice.run.Sluice;
import io.sluice.run.StepFailedException;
import io.sluice.run.TransportThreading;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A demanding user against {@link TransportThreading#INVOKER}: failures, stops, idle and blocked workers, mixed clusters. */
class InvokerAttackTest {
  private static final RunConfig INVOKER = RunConfig.workers(2)
      .withIdle(IdleProfile.THROUGHPUT.withThreading(TransportThreading.INVOKER));

  /** Every worker's partition emits {@code count} ints; the one at (failProcess's first worker) throws in {@code phase}. */
  private static DynamicSource<Integer> numbers(int count, int wpp, int failWorker, String phase, AtomicBoolean endless) {
    return (step, worker, workerCount) -> {
      if (worker == failWorker && phase.equals("build")) {
        throw new IllegalStateException("boom-build on worker " + worker);
      }
      return new StatelessSourcePartition<>() {
        int next;

        @Override
        public List<Integer> nextBatch() {
          if (worker == failWorker && phase.equals("run") && next == count / 2) {
            throw new IllegalStateException("boom-run on worker " + worker);
          }
          if (next >= count && (endless == null || !endless.get())) {
            return null;
          }
          List<Integer> b = new ArrayList<>();
          for (int i = 0; i < 20; i++) {
            b.add(worker * 1_000_000 + next++);
          }
          return b;
        }

        @Override
        public void close() {
          if (worker == failWorker && phase.equals("close")) {
            throw new IllegalStateException("boom-close on worker " + worker);
          }
        }
      };
    };
  }

  private static Dataflow counting(DynamicSource<Integer> source, ListSink<KV<Integer, Long>> sink) {
    Dataflow flow = new Dataflow("invoker-attack");
    flow.input("in", source)
        .keyOn("key", (Integer i) -> i % 13)
        .statefulMap("count", (ValueState<Long> st, Integer v) -> {
          long n = st.get() == null ? 1 : st.get() + 1;
          st.set(n);
          return n;
        })
        .output("out", sink);
    return flow;
  }

  private static long total(List<ListSink<KV<Integer, Long>>> sinks) {
    long[] last = new long[13];
    for (ListSink<KV<Integer, Long>> s : sinks) {
      for (KV<Integer, Long> kv : s.items()) {
        last[kv.key()] = Math.max(last[kv.key()], kv.value());
      }
    }
    long t = 0;
    for (long l : last) {
      t += l;
    }
    return t;
  }

  private static long runClean(RunConfig config, int count) {
    List<ListSink<KV<Integer, Long>>> sinks = List.of(new ListSink<>(), new ListSink<>());
    LocalCluster.run(2, config, p -> counting(numbers(count, config.workersPerProcess(), -1, "", null), sinks.get(p)),
        Duration.ofSeconds(90));
    return total(sinks);
  }

  @ParameterizedTest(name = "{0} on worker {1}")
  @CsvSource({"build,3", "run,3", "close,3", "build,0", "run,1", "close,2"})
  void aUserFailureInOneWorkerOfOneProcessStopsEveryProcessWithTheUsersError(String phase, int failWorker) {
    List<ListSink<KV<Integer, Long>>> sinks = List.of(new ListSink<>(), new ListSink<>());
    assertThatThrownBy(() -> LocalCluster.run(2, INVOKER,
        p -> counting(numbers(2_000, 2, failWorker, phase, null), sinks.get(p)), Duration.ofSeconds(90)))
        .isInstanceOf(StepFailedException.class)
        .hasMessageContaining("'in'")
        .hasStackTraceContaining("boom-" + phase + " on worker " + failWorker);
    // the shared INVOKER driver still works for the next cluster of the JVM
    assertThat(runClean(INVOKER, 500)).isEqualTo(4 * 500);
  }

  @Test
  void moreWorkersThanPartitionsLeaveIdleWorkersThatStillRunTheTransport() {
    RunConfig config = RunConfig.workers(4).withIdle(IdleProfile.LATENCY);
    List<ListSink<KV<Integer, Long>>> sinks = List.of(new ListSink<>(), new ListSink<>());
    DynamicSource<Integer> onlyWorkerZero = (step, worker, n) -> worker == 5
        ? numbers(3_000, 4, -1, "", null).build(step, worker, n) : new StatelessSourcePartition<>() {
          @Override
          public List<Integer> nextBatch() {
            return null;
          }
        };
    LocalCluster.run(2, config, p -> counting(onlyWorkerZero, sinks.get(p)), Duration.ofSeconds(90));
    assertThat(total(sinks)).isEqualTo(3_000);
  }

  @Test
  void aWorkerBlockedInUserCodeWhileThePeerSendsALotLosesNothing() {
    List<ListSink<KV<Integer, Long>>> sinks = List.of(new ListSink<>(), new ListSink<>());
    RunConfig config = RunConfig.workers(1).withIdle(IdleProfile.LATENCY);
    AtomicBoolean slept = new AtomicBoolean();
    LocalCluster.run(2, config, p -> {
      Dataflow flow = new Dataflow("blocked");
      flow.input("in", numbers(20_000, 1, -1, "", null))
          .map("slow", (Integer i) -> {
            if (p == 0 && slept.compareAndSet(false, true)) {
              LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1500));
            }
            return i;
          })
          .keyOn("key", (Integer i) -> i % 13)
          .statefulMap("count", (ValueState<Long> st, Integer v) -> {
            long n = st.get() == null ? 1 : st.get() + 1;
            st.set(n);
            return n;
          })
          .output("out", sinks.get(p));
      return flow;
    }, Duration.ofSeconds(90));
    assertThat(total(sinks)).isEqualTo(40_000);
  }

  @Test
  void clustersWithDifferentThreadingRunBackToBackAndAtOnceInOneJvm() throws Exception {
    RunConfig shared = RunConfig.workers(2).withIdle(IdleProfile.THROUGHPUT);
    assertThat(runClean(shared, 1_000)).isEqualTo(4_000);
    assertThat(runClean(INVOKER, 1_000)).isEqualTo(4_000);
    assertThat(runClean(shared, 1_000)).isEqualTo(4_000);
    CompletableFuture<Long> a = CompletableFuture.supplyAsync(() -> runClean(shared, 5_000), LocalCluster.runnerThread(7));
    CompletableFuture<Long> b = CompletableFuture.supplyAsync(() -> runClean(INVOKER, 5_000), LocalCluster.runnerThread(8));
    CompletableFuture<Long> c = CompletableFuture.supplyAsync(() -> runClean(INVOKER, 5_000), LocalCluster.runnerThread(9));
    assertThat(a.get(120, TimeUnit.SECONDS)).isEqualTo(20_000);
    assertThat(b.get(120, TimeUnit.SECONDS)).isEqualTo(20_000);
    assertThat(c.get(120, TimeUnit.SECONDS)).isEqualTo(20_000);
  }

  /** Starts the processes of an in-JVM cluster on the shared driver and returns their running runs. */
  private static List<RunningDataflow> start(int processes, RunConfig config, java.util.function.IntFunction<Dataflow> flows)
      throws Exception {
    List<String> addresses = LocalCluster.freeLoopbackAddresses(processes);
    ClusterSecret secret = ClusterSecret.generate();
    JoinBarrier barrier = new JoinBarrier(processes);
    List<CompletableFuture<RunningDataflow>> starts = new ArrayList<>();
    for (int p = 0; p < processes; p++) {
      RunConfig cfg = config.withCluster(p, addresses).withTransport(() -> new AeronTransport(
          AeronTransport.Settings.fromSystemProperties().withSharedDriver().withSecret(secret), barrier));
      Dataflow flow = flows.apply(p);
      starts.add(CompletableFuture.supplyAsync(() -> Sluice.start(flow, cfg), LocalCluster.runnerThread(p)));
    }
    List<RunningDataflow> runs = new ArrayList<>();
    for (CompletableFuture<RunningDataflow> s : starts) {
      runs.add(s.get(60, TimeUnit.SECONDS));
    }
    return runs;
  }

  @Test
  void aGracefulStopOfOneProcessEndsEveryProcessNormally() throws Exception {
    AtomicBoolean endless = new AtomicBoolean(true);
    List<ListSink<KV<Integer, Long>>> sinks = List.of(new ListSink<>(), new ListSink<>());
    List<RunningDataflow> runs = start(2, INVOKER, p -> counting(numbers(100, 2, -1, "", endless), sinks.get(p)));
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> total(sinks) > 2_000);
    runs.get(1).stop("test");
    long in = 0;
    for (RunningDataflow r : runs) {
      RunResult res = r.await(Duration.ofSeconds(60));
      in += res.step("in").totalOut();
    }
    assertThat(runs.get(0).stopReason()).contains("process 1 was stopped: test");
    assertThat(total(sinks)).isEqualTo(in);
  }

  @Test
  void cancellingOneProcessFailsTheOthersWithoutHangingAndTheDriverStaysUsable() throws Exception {
    AtomicBoolean endless = new AtomicBoolean(true);
    List<ListSink<KV<Integer, Long>>> sinks = List.of(new ListSink<>(), new ListSink<>());
    List<RunningDataflow> runs = start(2, INVOKER, p -> counting(numbers(100, 2, -1, "", endless), sinks.get(p)));
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> total(sinks) > 2_000);
    Thread canceller = new Thread(() -> {
      Thread.currentThread().interrupt(); // an interrupted caller (e.g. a test timing out) cancels
      runs.get(0).cancel();
    });
    canceller.start();
    canceller.join(30_000);
    assertThatThrownBy(() -> runs.get(0).await(Duration.ofSeconds(60))).isInstanceOf(java.util.concurrent.CancellationException.class);
    assertThatThrownBy(() -> runs.get(1).await(Duration.ofSeconds(60))).hasMessageContaining("cancelled");
    assertThat(runClean(INVOKER, 500)).isEqualTo(4 * 500);
  }

  @Test
  void aStepThatLeavesItsThreadInterruptedDoesNotBreakTheRunOrTheSharedDriver() {
    List<ListSink<KV<Integer, Long>>> sinks = List.of(new ListSink<>(), new ListSink<>());
    RunConfig config = RunConfig.workers(1).withIdle(IdleProfile.LATENCY);
    LocalCluster.run(2, config, p -> {
      Dataflow flow = new Dataflow("self-interrupting");
      flow.input("in", numbers(5_000, 1, -1, "", null))
          .map("interrupts", (Integer i) -> {
            if (p == 1 && i % 100 == 0) {
              Thread.currentThread().interrupt(); // e.g. restoring the flag after an InterruptedException it swallowed
            }
            return i;
          })
          .keyOn("key", (Integer i) -> i % 13)
          .statefulMap("count", (ValueState<Long> st, Integer v) -> {
            long n = st.get() == null ? 1 : st.get() + 1;
            st.set(n);
            return n;
          })
          .output("out", sinks.get(p));
      return flow;
    }, Duration.ofSeconds(90));
    assertThat(total(sinks)).isEqualTo(10_000);
    assertThat(runClean(INVOKER, 500)).isEqualTo(4 * 500);
  }

  @Test
  void aWrongThreadingPropertyFailsEveryProcessWithTheSettingNamedAndNoHang() {
    String before = System.getProperty(AeronTransport.Settings.THREADING_PROPERTY);
    System.setProperty(AeronTransport.Settings.THREADING_PROPERTY, "invokr");
    try {
      List<ListSink<KV<Integer, Long>>> sinks = List.of(new ListSink<>(), new ListSink<>());
      assertThatThrownBy(() -> LocalCluster.run(2, INVOKER,
          p -> counting(numbers(100, 2, -1, "", null), sinks.get(p)), Duration.ofSeconds(90)))
          .hasStackTraceContaining(AeronTransport.Settings.THREADING_PROPERTY + " is 'invokr'");
    } finally {
      if (before == null) {
        System.clearProperty(AeronTransport.Settings.THREADING_PROPERTY);
      } else {
        System.setProperty(AeronTransport.Settings.THREADING_PROPERTY, before);
      }
    }
    assertThat(runClean(INVOKER, 500)).isEqualTo(4 * 500);
  }

  @Test
  void interruptingTheThreadWaitingForAClusterStopsTheCluster() throws Exception {
    AtomicBoolean endless = new AtomicBoolean(true);
    java.util.concurrent.atomic.AtomicInteger closed = new java.util.concurrent.atomic.AtomicInteger();
    List<ListSink<KV<Integer, Long>>> sinks = List.of(new ListSink<>(), new ListSink<>());
    DynamicSource<Integer> source = (step, worker, n) -> {
      StatelessSourcePartition<Integer> inner = numbers(100, 2, -1, "", endless).build(step, worker, n);
      return new StatelessSourcePartition<>() {
        int read;

        @Override
        public List<Integer> nextBatch() {
          if (read >= 2_000 && endless.get()) {
            return List.of(); // endless, but idle: nothing piles up in the sinks
          }
          List<Integer> b = inner.nextBatch();
          read += b == null ? 0 : b.size();
          return b;
        }

        @Override
        public void close() {
          closed.incrementAndGet();
        }
      };
    };
    java.util.concurrent.atomic.AtomicReference<Throwable> thrown = new java.util.concurrent.atomic.AtomicReference<>();
    Thread waiter = new Thread(() -> {
      try {
        LocalCluster.run(2, INVOKER, p -> counting(source, sinks.get(p)), Duration.ofSeconds(120));
      } catch (Throwable t) {
        thrown.set(t);
      }
    }, "cluster-waiter");
    try {
      waiter.start();
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> total(sinks) >= 4 * 2_000);
      waiter.interrupt();
      waiter.join(30_000);
      assertThat(thrown.get()).hasMessageContaining("interrupted");
      // like a timeout, an interrupt (a test framework giving up on the test) stops every process
      org.awaitility.Awaitility.await("every partition closed").atMost(Duration.ofSeconds(30))
          .until(() -> closed.get() == 4);
    } finally {
      endless.set(false);
      waiter.join(60_000);
    }
  }

  /** Every worker of a process inside user code for 3 peer timeouts: only the backstop keeps the process alive. */
  @Test
  void aProcessWhoseOnlyWorkerBlocksLongerThanThePeerTimeoutIsNotTakenForLost() {
    String before = System.getProperty(AeronTransport.Settings.PEER_TIMEOUT_PROPERTY);
    System.setProperty(AeronTransport.Settings.PEER_TIMEOUT_PROPERTY, "1000");
    try {
      List<ListSink<KV<Integer, Long>>> sinks = List.of(new ListSink<>(), new ListSink<>());
      RunConfig config = RunConfig.workers(1).withIdle(IdleProfile.LATENCY);
      AtomicBoolean slept = new AtomicBoolean();
      LocalCluster.run(2, config, p -> {
        Dataflow flow = new Dataflow("blocked-long");
        flow.input("in", numbers(20_000, 1, -1, "", null))
            .map("slow", (Integer i) -> {
              if (p == 0 && i % 1_000_000 == 5_000 && slept.compareAndSet(false, true)) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(3_000));
              }
              return i;
            })
            .keyOn("key", (Integer i) -> i % 13)
            .statefulMap("count", (ValueState<Long> st, Integer v) -> {
              long n = st.get() == null ? 1 : st.get() + 1;
              st.set(n);
              return n;
            })
            .output("out", sinks.get(p));
        return flow;
      }, Duration.ofSeconds(90));
      assertThat(slept).isTrue();
      assertThat(total(sinks)).isEqualTo(40_000);
    } finally {
      if (before == null) {
        System.clearProperty(AeronTransport.Settings.PEER_TIMEOUT_PROPERTY);
      } else {
        System.setProperty(AeronTransport.Settings.PEER_TIMEOUT_PROPERTY, before);
      }
    }
  }
}
