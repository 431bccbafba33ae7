package io.sluice.testkit;

import static io.sluice.testkit.SluiceAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.sluice.connectors.IterableSource;
import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.KV;
import io.sluice.inputs.FixedPartitionedSource;
import io.sluice.inputs.Routing;
import io.sluice.inputs.SourcePartition;
import io.sluice.run.StepFailedException;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/** @DataflowTest over several processes: each run is a cluster in this JVM over the real Aeron transport. */
class MultiProcessTest {

  /** A user type that crosses processes: registered with the flow, so the receiving side may create it. */
  record Reading(String sensor, int value) implements Serializable {}

  static List<Reading> readings() {
    List<Reading> out = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      out.add(new Reading("sensor-" + (i % 13), i));
    }
    return out;
  }

  static Dataflow sumPerSensor(TestSource<Reading> source, TestSink<KV<String, Integer>> sink) {
    Dataflow flow = new Dataflow("sum-per-sensor").registerTypes(Reading.class);
    flow.input("readings", source)
        .keyOn("by-sensor", Reading::sensor)
        .mapValue("value", Reading::value)
        .reduceFinal("sum", Integer::sum)
        .output("out", sink);
    return flow;
  }

  @DataflowTest(workers = {1, 2}, processes = {1, 2})
  void keyedStepsGiveTheSameAnswerAndPlaceKeysByRoutingAcrossProcesses(DataflowRunner runner) {
    TestSink<KV<String, Integer>> out = new TestSink<>();
    TestRun run = runner.run(sumPerSensor(TestSource.dealt(3, readings()), out));

    List<KV<String, Integer>> expected = new ArrayList<>();
    for (int s = 0; s < 13; s++) {
      int sensor = s;
      expected.add(KV.of("sensor-" + s, IntStream.range(0, 2_000).filter(i -> i % 13 == sensor).sum()));
    }
    assertThat(run.output(out)).containsExactlyInAnyOrderElementsOf(expected);
    assertThat(run).step("sum").hasEachKeyOnTheWorkerRoutingPredicts();
    // each sum is written where it was computed: by the worker routing names, in that worker's process
    for (Captured<KV<String, Integer>> c : run.output(out).records()) {
      org.assertj.core.api.Assertions.assertThat(c.worker()).isEqualTo(Routing.workerFor(c.item().key(), runner.totalWorkers()));
      org.assertj.core.api.Assertions.assertThat(c.process()).isEqualTo(c.worker() / runner.workers());
    }
  }

  @DataflowTest(workers = 2, processes = 2)
  void workersCountPerProcessAndMessagesNameProcessesTimesWorkers(DataflowRunner runner) {
    TestSink<KV<String, Integer>> out = new TestSink<>();
    TestRun run = runner.run(sumPerSensor(TestSource.dealt(2, readings()), out));
    org.assertj.core.api.Assertions.assertThat(List.of(runner.workers(), runner.totalWorkers(), run.workers(),
        run.totalWorkers(), run.processes(), run.output(out).totalWorkers())).containsExactly(2, 4, 2, 4, 2, 4);
    assertThatThrownBy(() -> assertThat(run.output(out)).containsExactlyInAnyOrder(KV.of("sensor-99", 0)))
        .hasMessageContaining("at 2 processes \u00d7 2 workers");
  }

  @DataflowTest(workers = 2, processes = 2)
  void redistributeSpreadsOnePartitionOverTheWorkersOfEveryProcess(DataflowRunner runner) {
    TestSink<Integer> out = new TestSink<>();
    Dataflow flow = new Dataflow("spread");
    flow.input("numbers", TestSource.ofAll(IntStream.range(0, 4_000).boxed().toList()))
        .redistribute("spread")
        .map("work", i -> i * 2)
        .output("out", out);
    TestRun run = runner.run(flow);

    assertThat(run).step("numbers").stayedOnWorker(0);
    assertThat(run).step("work").isSpreadOverAllWorkers().isSpreadEvenlyWithin(org.assertj.core.data.Percentage.withPercentage(1));
    assertThat(run.output(out)).hasSize(4_000).hasNoDuplicates();
  }

  @DataflowTest(workers = 2, processes = 2)
  void aUserExceptionInAnyProcessFailsTheTestNamingStepWorkerAndItem(DataflowRunner runner) {
    Dataflow flow = new Dataflow("fails");
    flow.input("numbers", TestSource.ofAll(IntStream.range(0, 1_000).boxed().toList()))
        .keyOn("key", i -> i % 50)
        .statefulMap("explode", (state, v) -> {
          if (v == 777) {
            throw new IllegalArgumentException("no 777 here");
          }
          return v;
        })
        .output("out", new TestSink<>());
    StepFailedException e = runner.runExpectingFailure(flow);
    org.assertj.core.api.Assertions.assertThat(e.stepId()).isEqualTo("explode");
    org.assertj.core.api.Assertions.assertThat(e.worker()).isEqualTo(Routing.workerFor(777 % 50, 4));
    org.assertj.core.api.Assertions.assertThat(e.item()).contains("777");
  }

  /**
   * A source whose partitions cannot be listed the first time (a directory not mounted yet, say):
   * in a cluster run, one process fails before it joins the cluster, the other lists them.
   */
  static final class FirstListingFails implements FixedPartitionedSource<Integer, Long> {
    private final java.util.concurrent.atomic.AtomicInteger listings = new java.util.concurrent.atomic.AtomicInteger();
    private final IterableSource<Integer> numbers = IterableSource.of(List.of(1, 2, 3));

    @Override
    public List<String> listPartitions() {
      if (listings.getAndIncrement() == 0) {
        throw new IllegalStateException("directory /data/in is not mounted");
      }
      return numbers.listPartitions();
    }

    @Override
    public SourcePartition<Integer, Long> buildPartition(String stepId, String partition, Long resumeState) {
      return numbers.buildPartition(stepId, partition, resumeState);
    }
  }

  @DataflowTest(workers = 2, processes = 2)
  void aProcessThatFailsBeforeJoiningFailsTheTestAtOnceWithItsOwnError(DataflowRunner runner) {
    Dataflow flow = new Dataflow("unmounted");
    flow.input("files", new FirstListingFails()).redistribute("spread").output("out", new TestSink<>());
    // the other process does not wait for it until its connect timeout (30 s, as long as the run's
    // own timeout, which would then name a timeout instead of the cause): a bound, not a measurement
    StepFailedException e = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> runner.runExpectingFailure(flow));
    org.assertj.core.api.Assertions.assertThat(e.stepId()).isEqualTo("files");
    org.assertj.core.api.Assertions.assertThat(e).hasMessageContaining("listing partitions")
        .hasRootCauseMessage("directory /data/in is not mounted");
  }

  /** Not registered with the flow: the receiving process refuses to create it from bytes. */
  record Unregistered(int n) implements Serializable {}

  @DataflowTest(workers = 1, processes = 2)
  void aTypeTheFlowDidNotRegisterIsRefusedByTheReceivingProcess(DataflowRunner runner) {
    Dataflow flow = new Dataflow("unregistered");
    flow.input("numbers", TestSource.ofAll(IntStream.range(0, 100).boxed().toList()))
        .map("wrap", Unregistered::new)
        .redistribute("spread")
        .output("out", new TestSink<>());
    assertThatThrownBy(() -> runner.run(flow))
        .hasMessageContaining(Unregistered.class.getName())
        .hasMessageContaining("registerTypes");
  }
}
