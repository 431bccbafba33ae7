package io.sluice.testkit;

import static io.sluice.testkit.SluiceAssertions.assertThat;

import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.KV;
import io.sluice.inputs.DynamicSource;
import io.sluice.inputs.Routing;
import io.sluice.inputs.StatelessSourcePartition;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Runs over separate JVMs: results come back from every process, and a killed process fails the run cleanly. */
class ForkedRunTest {

  /** The flows, built the same way in the test JVM and in every forked JVM. */
  public static final class Flows {
    public static Dataflow countByRemainder() {
      Dataflow flow = new Dataflow("forked-count");
      flow.input("numbers", TestSource.dealt(3, IntStream.range(0, 3_000).boxed().toList()))
          .countFinal("count", i -> "r" + (i % 7))
          .output("out", new TestSink<KV<String, Long>>());
      return flow;
    }

    /** {@link #countByRemainder}, and per item, the transport's threads of the JVM that counted it. */
    public static Dataflow countAndTransportThreads() {
      Dataflow flow = new Dataflow("forked-count-threads");
      io.sluice.dataflow.Stream<Integer> numbers =
          flow.input("numbers", TestSource.dealt(3, IntStream.range(0, 3_000).boxed().toList()));
      numbers.countFinal("count", i -> "r" + (i % 7)).output("out", new TestSink<KV<String, Long>>());
      numbers.redistribute("spread")
          .map("transport-threads", i -> Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
              .filter(n -> n.startsWith("sluice-aeron-")).map(n -> n.replaceAll("-[0-9]+$", ""))
              .distinct().sorted().toList().toString())
          .output("threads", new TestSink<String>());
      return flow;
    }

    /**
     * 200 numbers, keyed; the worker that gets 42 spends 7 s in user code on it, longer than the
     * forked processes' peer timeout (5 s).
     */
    public static Dataflow slowUserCode() {
      Dataflow flow = new Dataflow("forked-slow");
      flow.input("numbers", TestSource.dealt(2, IntStream.range(0, 200).boxed().toList()))
          .keyOn("key", i -> "k" + (i % 10))
          .map("slow", (KV<String, Integer> kv) -> {
            if (kv.value() == 42) {
              try {
                Thread.sleep(7_000); // slow user code, not a wait for a condition
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
            return kv;
          })
          .output("out", new TestSink<KV<String, Integer>>());
      return flow;
    }

    public static Dataflow endless() {
      Dataflow flow = new Dataflow("forked-endless");
      flow.input("numbers", (DynamicSource<Integer>) (step, worker, count) -> new StatelessSourcePartition<>() {
        private int next;

        @Override
        public List<Integer> nextBatch() {
          List<Integer> batch = new ArrayList<>();
          for (int i = 0; i < 100; i++) {
            batch.add(next++);
          }
          return batch;
        }
      }).redistribute("spread").output("out", new TestSink<Integer>());
      return flow;
    }

    public static Dataflow failsOn1234() {
      Dataflow flow = new Dataflow("forked-fails");
      flow.input("numbers", TestSource.ofAll(IntStream.range(0, 3_000).boxed().toList()))
          .keyOn("key", i -> i % 10)
          .statefulMap("check", (state, v) -> {
            if (v == 1234) {
              throw new IllegalStateException("1234 is not allowed");
            }
            return v;
          })
          .output("out", new TestSink<>());
      return flow;
    }
  }

  @Test
  void outputsAndStatisticsComeBackFromEveryProcess() {
    DataflowRunner runner = DataflowRunner.withWorkers(2).withProcesses(2);
    TestRun run = runner.runForked(Flows.class, "countByRemainder");

    List<KV<String, Long>> expected = new ArrayList<>();
    for (int r = 0; r < 7; r++) {
      int rr = r;
      expected.add(KV.of("r" + r, IntStream.range(0, 3_000).filter(i -> i % 7 == rr).count()));
    }
    assertThat(run.<KV<String, Long>>output("out")).containsExactlyInAnyOrderElementsOf(expected);
    assertThat(run).step("count").hasEachKeyOnTheWorkerRoutingPredicts();
    // three partitions over 2 processes x 2 workers: workers 0, 1, 2 read one each, worker 3 nothing
    org.assertj.core.api.Assertions.assertThat(run.itemsPerWorker("numbers")).containsExactly(1000, 1000, 1000, 0);
    for (Captured<KV<String, Long>> c : run.<KV<String, Long>>output("out").records()) {
      org.assertj.core.api.Assertions.assertThat(c.worker()).isEqualTo(Routing.workerFor(c.item().key(), 4));
      org.assertj.core.api.Assertions.assertThat(c.process()).isEqualTo(c.worker() / 2);
    }
  }

  @Test
  void separateJvmsWhoseWorkersRunTheTransportGiveTheSameCounts() {
    DataflowRunner runner = DataflowRunner.withWorkers(2).withProcesses(2).withConfig(c -> c.withIdle(
        io.sluice.run.IdleProfile.THROUGHPUT.withThreading(io.sluice.run.TransportThreading.INVOKER)));
    TestRun run = runner.runForked(Flows.class, "countAndTransportThreads");
    List<KV<String, Long>> expected = new ArrayList<>();
    for (int r = 0; r < 7; r++) {
      int rr = r;
      expected.add(KV.of("r" + r, IntStream.range(0, 3_000).filter(i -> i % 7 == rr).count()));
    }
    assertThat(run.<KV<String, Long>>output("out")).containsExactlyInAnyOrderElementsOf(expected);
    // every JVM ran its own media driver in Aeron's INVOKER mode: no poller thread, only the backstop
    org.assertj.core.api.Assertions.assertThat(run.<String>output("threads").items()).hasSize(3_000)
        .containsOnly("[sluice-aeron-backstop]");
  }

  @Test
  void aWorkerInUserCodeLongerThanThePeerTimeoutDoesNotSilenceItsProcessWhenWorkersRunTheTransport() {
    // one worker per process: while it is in user code only the backstop thread runs the driver
    DataflowRunner runner = DataflowRunner.withWorkers(1).withProcesses(2).withConfig(c -> c.withIdle(
        io.sluice.run.IdleProfile.THROUGHPUT.withThreading(io.sluice.run.TransportThreading.INVOKER)));
    TestRun run = runner.runForked(Flows.class, "slowUserCode");
    org.assertj.core.api.Assertions.assertThat(run.<KV<String, Integer>>output("out").items()).hasSize(200);
  }

  @Test
  void aUserFailureInAForkedProcessIsThrownWithStepWorkerItemAndCause() {
    DataflowRunner runner = DataflowRunner.withWorkers(1).withProcesses(2);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> runner.runForked(Flows.class, "failsOn1234"))
        .isInstanceOf(io.sluice.run.StepFailedException.class)
        .hasMessageContaining("step 'check' failed on worker " + Routing.workerFor(4, 2))
        .hasMessageContaining("1234")
        .rootCause().isInstanceOf(IllegalStateException.class).hasMessage("1234 is not allowed");
  }

  @Test
  void killingAProcessFailsTheOthersNamingItAndLeavesNothingBehind() {
    DataflowRunner runner = DataflowRunner.withWorkers(1).withProcesses(2);
    ForkedCluster cluster = runner.startForked(Flows.class, "endless");
    try (cluster) {
      cluster.awaitRunning();
      cluster.kill(1);
      Map<Integer, String> errors = cluster.awaitFailure();
      org.assertj.core.api.Assertions.assertThat(errors.get(0)).contains("lost process 1");
      org.assertj.core.api.Assertions.assertThat(errors.get(1)).isNull();
    }
    org.assertj.core.api.Assertions.assertThat(cluster.process(0).isAlive()).isFalse();
    org.assertj.core.api.Assertions.assertThat(cluster.process(1).isAlive()).isFalse();
    // the survivor deleted its media driver directory; the killed one's goes at the next driver start
    File[] left = new File("/dev/shm").listFiles((d, n) -> n.startsWith("sluice-aeron-" + cluster.process(0).pid() + "-"));
    org.assertj.core.api.Assertions.assertThat(left == null ? new File[0] : left).isEmpty();
  }
}
