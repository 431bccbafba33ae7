package io.sluice.aeron;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.sluice.connectors.IterableSource;
import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.FlowValidationException;
import io.sluice.inputs.DynamicSource;
import io.sluice.outputs.DynamicSink;
import io.sluice.run.RunConfig;
import io.sluice.run.RunTimeoutException;
import io.sluice.run.StepFailedException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Attacks on how an in-JVM cluster run ({@link LocalCluster}) ends when a process fails or the
 * caller gives up while processes are still joining ({@link JoinBarrier}): every process stops,
 * no thread of the run is left behind, the error is the failing process's own, and the next run
 * in the JVM works. Real shared media driver, UDP on loopback.
 */
class JoinBarrierAttackTest {
  /** A bound for "at once": far below the 30 s connect timeout a process would otherwise wait. */
  private static final Duration AT_ONCE = Duration.ofSeconds(10);

  /** A flow that never ends by itself; its worker threads are named {@code sluice-<name>-worker-N}. */
  private static Dataflow endless(String name) {
    Dataflow flow = new Dataflow(name);
    flow.input("numbers", (DynamicSource<Long>) (step, worker, count) -> new io.sluice.inputs.StatelessSourcePartition<>() {
      private long next;

      @Override
      public List<Long> nextBatch() {
        List<Long> batch = new ArrayList<>(10);
        for (int i = 0; i < 10; i++) {
          batch.add(next++);
        }
        return batch;
      }
    }).redistribute("spread").output("drop", (DynamicSink<Long>) (step, worker, count) -> items -> { });
    return flow;
  }

  private static Dataflow exchanging(String name, ListSink<Integer> sink, int count) {
    Dataflow flow = new Dataflow(name);
    flow.input("numbers", IterableSource.of(() -> IntStream.range(0, count).iterator(), 50))
        .redistribute("spread")
        .output("out", sink);
    return flow;
  }

  /** Live threads whose name starts with {@code prefix}. */
  private static List<String> threads(String prefix) {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
        .filter(n -> n.startsWith(prefix)).sorted().toList();
  }

  private static void awaitNoThreads(String prefix) {
    await("threads " + prefix + "* end").atMost(AT_ONCE).pollInterval(Duration.ofMillis(20))
        .untilAsserted(() -> assertThat(threads(prefix)).isEmpty());
  }

  /** Every process of a 2 × 2 run of {@code name} ends with every item delivered: the JVM is fit for the next run. */
  private static void aRunStillWorks(String name) {
    List<ListSink<Integer>> sinks = List.of(new ListSink<>(), new ListSink<>());
    LocalCluster.run(2, RunConfig.workers(2), p -> exchanging(name, sinks.get(p), 500), Duration.ofSeconds(60));
    List<Integer> all = new ArrayList<>(sinks.get(0).items());
    all.addAll(sinks.get(1).items());
    assertThat(all).containsExactlyInAnyOrderElementsOf(IntStream.range(0, 500).boxed().toList());
  }

  /**
   * Guards: a caller interrupted while the processes are still joining stops every process. Before
   * the fix LocalCluster cancelled only the processes whose start had returned, so processes still
   * joining went on to run the (endless) flow for good, with nobody left to stop them.
   */
  @Test
  void anInterruptedCallerStopsEveryProcessEvenThoseStillJoining() throws Exception {
    String name = "interrupted-while-joining";
    Throwable thrown = CompletableFuture.supplyAsync(() -> {
      Thread.currentThread().interrupt(); // the wait for the processes is interrupted at once: all are joining
      Throwable t = catchThrowable(() -> LocalCluster.run(3, RunConfig.workers(1), p -> endless(name),
          Duration.ofSeconds(60)));
      assertThat(Thread.interrupted()).as("the interrupt is kept").isTrue();
      return t;
    }, r -> new Thread(r, "attack-caller").start()).get(30, TimeUnit.SECONDS);
    assertThat(thrown).isInstanceOf(IllegalStateException.class).hasMessageContaining("interrupted");
    awaitNoThreads("sluice-" + name + "-worker-");
    awaitNoThreads("sluice-local-cluster-process-");
    awaitNoThreads("aeron-client-conductor");
    aRunStillWorks("after-an-interrupt");
  }

  /**
   * Guards: a run that times out while processes are still joining stops them too, at once. Before
   * the fix the processes still joining were not cancelled: they joined, ran the endless flow, and
   * the timeout waited 30 s for each of them before reporting them "still running".
   */
  @Test
  void aTimeoutWhileProcessesAreStillJoiningStopsThemAtOnce() {
    String name = "timed-out-while-joining";
    long start = System.nanoTime();
    Throwable thrown = catchThrowable(() -> LocalCluster.run(3, RunConfig.workers(1), p -> endless(name),
        Duration.ofMillis(1)));
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertThat(thrown).isInstanceOf(RunTimeoutException.class)
        .hasMessageContaining("dataflow '" + name + "' on 3 processes \u00d7 1 worker did not finish within PT0.001S")
        .hasMessageNotContaining("still running");
    assertThat(took).as("the timeout reported at once, not after waiting for processes nobody stopped")
        .isLessThan(AT_ONCE);
    awaitNoThreads("sluice-" + name + "-worker-");
    awaitNoThreads("sluice-local-cluster-process-");
    awaitNoThreads("aeron-client-conductor");
  }

  /**
   * Guards: two processes failing before they join at the same time: the run throws one of their
   * own errors (never the others' "stops joining"), at once, and leaves no thread behind.
   */
  @Test
  void twoProcessesFailingBeforeJoiningAtOnceGiveOneOfTheirOwnErrors() {
    Throwable thrown = catchThrowable(() -> LocalCluster.run(4, RunConfig.workers(1), p -> {
      if (p == 1 || p == 3) {
        Dataflow invalid = new Dataflow("twice-invalid");
        invalid.input("numbers", IterableSource.of(List.of(1, 2, 3))).map("m" + p, i -> i); // no output
        return invalid;
      }
      return endless("twice-invalid");
    }, Duration.ofSeconds(60)));
    assertThat(thrown).isInstanceOf(FlowValidationException.class)
        .hasMessage("dataflow 'twice-invalid' has no output step; add one with output(id, sink) on a stream");
    awaitNoThreads("sluice-twice-invalid-worker-");
    awaitNoThreads("sluice-local-cluster-process-");
  }

  /**
   * Guards: a process failing exactly while the others wait in the subscribe barrier (they have
   * their subscriptions and wait for its) releases them at once, each naming it and its error, and
   * their Aeron clients are closed. Deterministic: the failure comes only once both others are seen
   * waiting there.
   */
  @Test
  void aFailureWhileTheOthersWaitInTheSubscribeBarrierReleasesThemAtOnce() throws Exception {
    List<String> addresses = LocalCluster.freeLoopbackAddresses(3);
    JoinBarrier barrier = new JoinBarrier(3);
    AeronTransport.Settings settings = AeronTransport.Settings.defaults().withSharedDriver()
        .withSecret(ClusterSecret.generate());
    List<CompletableFuture<io.sluice.run.RunResult>> runs = new ArrayList<>();
    for (int p : new int[] {0, 2}) {
      RunConfig cfg = RunConfig.workers(1).withCluster(p, addresses)
          .withTransport(() -> new AeronTransport(settings, barrier));
      Dataflow flow = exchanging("barrier-wait", new ListSink<>(), 10);
      runs.add(CompletableFuture.supplyAsync(() -> io.sluice.run.Sluice.start(flow, cfg).await(),
          r -> new Thread(r, "barrier-attack-process-" + p).start()));
    }
    await("processes 0 and 2 wait in the subscribe barrier").atMost(AT_ONCE).pollInterval(Duration.ofMillis(5))
        .until(() -> Thread.getAllStackTraces().entrySet().stream()
            .filter(e -> e.getKey().getName().startsWith("barrier-attack-process-"))
            .filter(e -> java.util.Arrays.stream(e.getValue())
                .anyMatch(f -> f.getMethodName().equals("awaitPeersSubscribed")))
            .count() == 2);
    barrier.fail(1, new IllegalStateException("process 1 cannot read its configuration"));
    for (CompletableFuture<io.sluice.run.RunResult> run : runs) {
      Throwable thrown = catchThrowable(() -> run.get(AT_ONCE.toMillis(), TimeUnit.MILLISECONDS));
      assertThat(thrown).isInstanceOf(java.util.concurrent.ExecutionException.class);
      assertThat(thrown.getCause()).hasMessageContaining("stops joining the cluster: process 1 failed before it joined"
          + " the cluster: java.lang.IllegalStateException: process 1 cannot read its configuration");
    }
    awaitNoThreads("barrier-attack-process-");
    awaitNoThreads("sluice-barrier-wait-worker-");
    awaitNoThreads("aeron-client-conductor");
  }

  /**
   * Guards the ranking of errors when two processes fail before joining in different ways: one's
   * flow fails validation, the other's source cannot list its partitions (the user's code: a
   * StepFailedException). Whichever broke the barrier first, the user's code failure is thrown,
   * never a "stops joining" of a bystander.
   */
  @Test
  void theUsersCodeFailureOutranksAnotherProcessesValidationFailure() {
    for (int round = 0; round < 3; round++) {
      Throwable thrown = catchThrowable(() -> LocalCluster.run(3, RunConfig.workers(1), p -> {
        if (p == 0) {
          Dataflow invalid = new Dataflow("ranked");
          invalid.input("numbers", IterableSource.of(List.of(1, 2, 3))).map("m", i -> i); // no output
          return invalid;
        }
        Dataflow flow = new Dataflow("ranked");
        flow.input("numbers", p == 2 ? new Unlistable() : IterableSource.of(List.of(1, 2, 3)))
            .redistribute("spread")
            .output("out", new ListSink<>());
        return flow;
      }, Duration.ofSeconds(60)));
      assertThat(thrown).isInstanceOf(StepFailedException.class).hasMessageContaining("step 'numbers'")
          .hasRootCauseMessage("no partitions here");
      awaitNoThreads("sluice-local-cluster-process-");
    }
  }

  /** A source whose partitions cannot be listed in this process. */
  private static final class Unlistable implements io.sluice.inputs.FixedPartitionedSource<Integer, Long> {
    @Override
    public List<String> listPartitions() {
      throw new IllegalStateException("no partitions here");
    }

    @Override
    public io.sluice.inputs.SourcePartition<Integer, Long> buildPartition(String stepId, String partition, Long resume) {
      throw new AssertionError("never built");
    }
  }

  /**
   * Guards: a process whose user code fails on its very first item, right after it joined (the
   * others may still be joining): the user's error is thrown, at once, every process stops.
   */
  @Test
  void aProcessFailingRightAfterJoiningGivesTheUsersErrorAndStopsEveryProcess() {
    for (int round = 0; round < 3; round++) {
      Throwable thrown = catchThrowable(() -> LocalCluster.run(3, RunConfig.workers(2), p -> {
        // the same flow everywhere (the processes compare it when they join); only process 2's fails
        Dataflow flow = new Dataflow("fails-at-once");
        flow.input("numbers", (DynamicSource<Long>) (step, worker, count) -> new io.sluice.inputs.StatelessSourcePartition<>() {
              private long next;

              @Override
              public List<Long> nextBatch() {
                return List.of(next++);
              }
            })
            .map("explode", i -> {
              if (p == 2) {
                throw new IllegalArgumentException("process 2 refuses " + i);
              }
              return i;
            })
            .redistribute("spread")
            .output("drop", (DynamicSink<Long>) (step, worker, count) -> items -> { });
        return flow;
      }, Duration.ofSeconds(60)));
      assertThat(thrown).isInstanceOf(StepFailedException.class).hasMessageContaining("step 'explode'")
          .hasRootCauseMessage("process 2 refuses 0");
      awaitNoThreads("sluice-fails-at-once-worker-");
      awaitNoThreads("sluice-local-cluster-process-");
    }
  }

  /**
   * Guards: runs in several threads at once, each failing before joining or running fine: the
   * barriers are per run, so a failure never leaks into another run; no Aeron client conductor
   * thread outlives the runs.
   */
  @Test
  void concurrentRunsFailingAndSucceedingDoNotDisturbEachOther() throws Exception {
    List<CompletableFuture<Void>> calls = new ArrayList<>();
    for (int c = 0; c < 4; c++) {
      int call = c;
      calls.add(CompletableFuture.runAsync(() -> {
        for (int round = 0; round < 3; round++) {
          if (call % 2 == 0) {
            aRunStillWorks("concurrent-fine-" + call);
          } else {
            int odd = round % 2;
            Throwable thrown = catchThrowable(() -> LocalCluster.run(2 + odd, RunConfig.workers(1 + odd),
                p -> {
                  if (p == 1) {
                    Dataflow invalid = new Dataflow("concurrent-invalid");
                    invalid.input("numbers", IterableSource.of(List.of(1))).map("m", i -> i);
                    return invalid;
                  }
                  return endless("concurrent-invalid");
                }, Duration.ofSeconds(60)));
            assertThat(thrown).isInstanceOf(FlowValidationException.class);
          }
        }
      }, r -> new Thread(r, "attack-caller-" + call).start()));
    }
    CompletableFuture.allOf(calls.toArray(new CompletableFuture<?>[0])).get(90, TimeUnit.SECONDS);
    awaitNoThreads("sluice-concurrent-");
    awaitNoThreads("sluice-local-cluster-process-");
    awaitNoThreads("sluice-aeron-poller-");
    awaitNoThreads("aeron-client-conductor");
  }
}
