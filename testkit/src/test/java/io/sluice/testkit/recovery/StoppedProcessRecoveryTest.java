package io.sluice.testkit.recovery;

import static io.sluice.testkit.SluiceAssertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.KV;
import io.sluice.recovery.RecoveryStore;
import io.sluice.testkit.DataflowRunner;
import io.sluice.testkit.ForkedCluster;
import io.sluice.testkit.RecoveryRun;
import io.sluice.testkit.SinkOutput;
import io.sluice.testkit.TestRun;
import io.sluice.testkit.TestSink;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM to one of two real processes of a run with recovery: both stop gracefully (exit code 3),
 * and the run resumes, at the same and at another process and worker count, with nothing lost,
 * nothing written twice that the snapshot covered, and the counts of an uninterrupted run.
 */
class StoppedProcessRecoveryTest {
  static final int KEYS = 11;

  /** 3 partitions of 300 items, an hour's pause (stopped there), 300 more: {@link KilledProcessRecoveryTest.Flows#pausingNumbers}. */
  public static final class Flows {
    public static Dataflow pausingRunningCount() {
      Dataflow flow = new Dataflow("stopped-count");
      flow.input("numbers", KilledProcessRecoveryTest.Flows.pausingNumbers())
          .keyOn("key", i -> "r" + (i % KEYS))
          // a running count: every item writes the key's state, so a lost or doubled item shows
          .<Long, Long>statefulMap("count", (state, i) -> {
            long n = state.get() == null ? 1 : state.get() + 1;
            state.set(n);
            return n;
          })
          .output("out", new TestSink<KV<String, Long>>());
      return flow;
    }
  }

  @Test
  void aSigtermedRunResumesAtTheSameAndAtOtherCountsLosingNothing(@TempDir Path dir, @TempDir Path copy)
      throws IOException {
    DataflowRunner forked = DataflowRunner.withWorkers(2).withProcesses(2).withSystemClock()
        .withConfig(c -> c.withEpochInterval(Duration.ofMillis(50))).withRecovery(dir);
    TestRun stopped;
    try (ForkedCluster cluster = forked.startForked(Flows.class, "pausingRunningCount")) {
      cluster.awaitRunning();
      // mid-run: a complete epoch holds state of every key (the partitions then wait in their hour's pause)
      await("a complete snapshot of every key").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
          .until(() -> RecoveryStore.inspect(dir).keysPerStep().getOrDefault("count", 0L) == KEYS);
      cluster.terminate(1);
      org.assertj.core.api.Assertions.assertThat(cluster.exitCode(1)).as("the stopped process: " + cluster.stderr(1))
          .isEqualTo(3);
      org.assertj.core.api.Assertions.assertThat(cluster.exitCode(0)).as("its peer: " + cluster.stderr(0))
          .isEqualTo(3);
      org.assertj.core.api.Assertions.assertThat(cluster.stderr(1)).contains("SIGTERM: stopping gracefully");
      org.assertj.core.api.Assertions.assertThat(cluster.stderr(0)).contains("process 1 was stopped: SIGTERM");
      stopped = cluster.await();
    }
    long resumeEpoch = RecoveryStore.inspect(dir).newestCompleteEpoch();
    SinkOutput<KV<String, Long>> before = stopped.output("out");
    org.assertj.core.api.Assertions.assertThat(before.items()).as("written before the stop").isNotEmpty();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.toList()) {
        Files.copy(f, copy.resolve(f.getFileName()));
      }
    }
    SinkOutput<KV<String, Long>> reference = DataflowRunner.withWorkers(1).run(Flows.pausingRunningCount()).output("out");

    // the same shape, forked again; virtual time, so the rest of the pause passes at once
    TestRun same = DataflowRunner.withWorkers(2).withProcesses(2).withRecovery(dir)
        .runForked(Flows.class, "pausingRunningCount");
    RecoveryRun<KV<String, Long>> atSame = RecoveryRun.of(reference, before, resumeEpoch, same.output("out"));
    assertThat(atSame).lostNothing().duplicatedOnlyAfterTheSnapshot().endsInTheSameStateAsTheUninterruptedRun();

    // one process of 3 workers, from a copy of the same store
    TestRun other = DataflowRunner.withWorkers(3).withRecovery(copy).run(Flows.pausingRunningCount());
    RecoveryRun<KV<String, Long>> atOther = RecoveryRun.of(reference, before, resumeEpoch, other.output("out"));
    assertThat(atOther).lostNothing().duplicatedOnlyAfterTheSnapshot().endsInTheSameStateAsTheUninterruptedRun();
    assertThat(other).step("count").hasEachKeyOnTheWorkerRoutingPredicts();
    // a graceful stop snapshots where every partition stopped: each resume reads exactly the rest
    long read = stopped.step("numbers").totalOut();
    org.assertj.core.api.Assertions.assertThat(read).as("read before the stop").isPositive();
    org.assertj.core.api.Assertions.assertThat(same.step("numbers").totalOut()).isEqualTo(1800 - read);
    org.assertj.core.api.Assertions.assertThat(other.step("numbers").totalOut()).isEqualTo(1800 - read);
    // and drains what it read to the sinks before that last snapshot: nothing is written twice
    assertThat(atSame).duplicatedNothing();
    assertThat(atOther).duplicatedNothing();
  }
}
