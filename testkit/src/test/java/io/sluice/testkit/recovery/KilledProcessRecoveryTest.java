package io.sluice.testkit.recovery;

import static io.sluice.testkit.SluiceAssertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.KV;
import io.sluice.recovery.RecoveryStore;
import io.sluice.testkit.DataflowRunner;
import io.sluice.testkit.ForkedCluster;
import io.sluice.testkit.Script;
import io.sluice.testkit.TestRun;
import io.sluice.testkit.TestSink;
import io.sluice.testkit.TestSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kill -9} of one of two real processes, then a resume as one process: the final counts are exact. */
class KilledProcessRecoveryTest {
  static final int KEYS = 11;

  public static final class Flows {
    /**
     * 3 partitions, each: 300 items, then a pause of an hour on the system clock (the process is
     * killed or stopped there), then 300 more. Also the source of {@link StoppedProcessRecoveryTest}.
     */
    public static TestSource<Integer> pausingNumbers() {
      TestSource.Builder<Integer> b = TestSource.<Integer>builder().batchSize(10);
      for (int p = 0; p < 3; p++) {
        List<Integer> first = new ArrayList<>();
        List<Integer> second = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
          first.add(p * 1000 + i);
          second.add(p * 1000 + 300 + i);
        }
        b.partition("p" + p, Script.ofAll(first).pause(Duration.ofHours(1)).thenAll(second));
      }
      return b.build();
    }

    public static Dataflow pausingCount() {
      Dataflow flow = new Dataflow("killed-count");
      flow.input("numbers", pausingNumbers())
          .countFinal("count", i -> "r" + (i % KEYS))
          .output("out", new TestSink<KV<String, Long>>());
      return flow;
    }
  }

  @Test
  void aKilledProcessResumesWithExactCounts(@TempDir Path dir) {
    DataflowRunner forked = DataflowRunner.withWorkers(2).withProcesses(2).withSystemClock()
        .withConfig(c -> c.withEpochInterval(Duration.ofMillis(50))).withRecovery(dir);
    try (ForkedCluster cluster = forked.startForked(Flows.class, "pausingCount")) {
      cluster.awaitRunning();
      // kill once a complete epoch holds state of every key (the partitions then wait in their pause)
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
          .until(() -> RecoveryStore.inspect(dir).keysPerStep().getOrDefault("count", 0L) == KEYS);
      cluster.kill(1);
      Map<Integer, String> errors = cluster.awaitFailure();
      org.assertj.core.api.Assertions.assertThat(errors.get(0)).contains("lost process 1");
    }
    // resume as one process with 3 workers, on virtual time: the pause passes at once
    Dataflow resumed = Flows.pausingCount();
    TestRun run = DataflowRunner.withWorkers(3).withRecovery(dir).run(resumed);
    Dataflow fresh = Flows.pausingCount();
    TestRun reference = DataflowRunner.withWorkers(1).run(fresh);
    assertThat(run.output("out")).containsExactlyInAnyOrderElementsOf(reference.output("out").items());
    // the resumed run read only what the snapshot did not cover
    org.assertj.core.api.Assertions.assertThat(run.step("numbers").totalOut()).isLessThan(1800);
  }

}
