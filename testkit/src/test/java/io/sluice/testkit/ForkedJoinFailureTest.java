package io.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.sluice.dataflow.Dataflow;
import io.sluice.inputs.FixedPartitionedSource;
import io.sluice.inputs.SourcePartition;
import io.sluice.run.StepFailedException;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * One process of a forked run fails before the cluster is joined: the run fails with that process's
 * own error within {@link ForkedCluster#FAILURE_GRACE} of it, not after the other's connect timeout
 * (30 s). Separate JVMs, each with its own media driver.
 */
class ForkedJoinFailureTest {
  /** Far below the 30 s connect timeout the other process would otherwise wait; a bound, not a measurement. */
  private static final Duration AT_ONCE = Duration.ofSeconds(15);

  /** The flows; in every JVM but forked process 1 (and in the test JVM) they are fine. */
  public static final class Flows {
    private static boolean inProcess1() {
      return Integer.getInteger(ForkedProcess.PROCESS_PROPERTY, -1) == 1;
    }

    /** Process 1's source cannot list its partitions (its directory is missing there, say). */
    public static Dataflow unlistableInProcess1() {
      Dataflow flow = new Dataflow("forked-listing");
      flow.input("files", inProcess1() ? new UnlistableSource() : TestSource.dealt(2, List.of(1, 2, 3)))
          .redistribute("spread")
          .output("out", new TestSink<Integer>());
      return flow;
    }

    /** Process 1 builds a flow without an output step: it fails validation there. */
    public static Dataflow invalidInProcess1() {
      Dataflow flow = new Dataflow("forked-invalid");
      io.sluice.dataflow.Stream<Integer> numbers =
          flow.input("numbers", TestSource.dealt(2, IntStream.range(0, 100).boxed().toList()));
      if (!inProcess1()) {
        numbers.redistribute("spread").output("out", new TestSink<Integer>());
      }
      return flow;
    }
  }

  @Test
  void aProcessWhoseSourceCannotListItsPartitionsFailsTheForkedRunAtOnceNamingTheStep() {
    DataflowRunner runner = DataflowRunner.withWorkers(2).withProcesses(2);
    Throwable thrown = assertTimeoutPreemptively(AT_ONCE,
        () -> catchFrom(() -> runner.runForked(Flows.class, "unlistableInProcess1")));
    assertThat(thrown).isInstanceOf(StepFailedException.class)
        .hasMessageContaining("step 'files'")
        .hasMessageContaining("listing partitions")
        .hasRootCauseMessage("no such directory: /data/host-1");
  }

  @Test
  void aProcessWhoseFlowFailsValidationFailsTheForkedRunAtOnceWithItsOwnError() {
    DataflowRunner runner = DataflowRunner.withWorkers(1).withProcesses(2);
    Throwable thrown = assertTimeoutPreemptively(AT_ONCE,
        () -> catchFrom(() -> runner.runForked(Flows.class, "invalidInProcess1")));
    assertThat(thrown).isInstanceOf(AssertionError.class)
        .hasMessageContaining("process 1: dataflow 'forked-invalid' has no output step")
        .hasMessageContaining("process 0 was killed: it was still running 5 s after process 1 failed");
  }

  @Test
  void awaitRunningNamesTheProcessThatEndedBeforeJoiningAtOnce() {
    DataflowRunner runner = DataflowRunner.withWorkers(1).withProcesses(2);
    try (ForkedCluster cluster = runner.startForked(Flows.class, "unlistableInProcess1")) {
      Throwable thrown = assertTimeoutPreemptively(AT_ONCE, () -> catchFrom(cluster::awaitRunning));
      assertThat(thrown).isInstanceOf(AssertionError.class)
          .hasMessageContaining("forked process 1 ended before it was running")
          .hasMessageContaining("no such directory: /data/host-1");
    }
  }

  /** A source whose partitions cannot be listed in this process. */
  private static final class UnlistableSource implements FixedPartitionedSource<Integer, Long> {
    @Override
    public List<String> listPartitions() {
      throw new IllegalStateException("no such directory: /data/host-1");
    }

    @Override
    public SourcePartition<Integer, Long> buildPartition(String stepId, String partition, Long resumeState) {
      throw new AssertionError("never built: its partitions could not be listed");
    }
  }

  private interface Call {
    Object call() throws Exception;
  }

  /** What {@code call} threw; fails if it returned. */
  private static Throwable catchFrom(Call call) {
    try {
      call.call();
    } catch (Throwable t) {
      return t;
    }
    throw new AssertionError("expected the run to fail, but it finished");
  }
}
