package io.sluice.aeron;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import io.sluice.inputs.DynamicSource;
import io.sluice.run.RunConfig;
import io.sluice.run.RunResult;
import io.sluice.run.Sluice;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Epochs count from when the cluster starts running, not from when each process was launched. */
class ClusterEpochTest {
  /** Every worker reads one item as soon as it starts, then ends; the epoch each item was read in is noted per worker. */
  static Dataflow readOnce(Map<Integer, Long> epochOfWorker) {
    Dataflow flow = new Dataflow("epochs");
    flow.input("in", (DynamicSource<Integer>) (step, worker, count) -> new io.sluice.inputs.StatelessSourcePartition<>() {
          private boolean read;

          @Override
          public List<Integer> nextBatch() {
            if (read) {
              return null;
            }
            read = true;
            return new ArrayList<>(List.of(worker));
          }
        })
        .inspect("epoch", (Integer worker, int w, long epoch) -> epochOfWorker.put(worker, epoch))
        .output("out", new ListSink<>());
    return flow;
  }

  @Test
  void aProcessLaunchedSecondsBeforeItsPeerStillStartsAtEpochOne() throws Exception {
    List<String> addresses = InJvmCluster.freeAddresses(2);
    Map<Integer, Long> epochOfWorker = new ConcurrentHashMap<>();
    RunConfig config = RunConfig.workers(2).withEpochInterval(Duration.ofSeconds(1));
    CompletableFuture<RunResult> first = CompletableFuture.supplyAsync(
        () -> Sluice.start(readOnce(epochOfWorker), config.withCluster(0, addresses)).await(Duration.ofSeconds(60)),
        LocalCluster.runnerThread(0));
    // process 0 waits for its peer, 2.5 epoch intervals long
    await("process 0 still waiting for process 1").pollDelay(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(10))
        .until(() -> !first.isDone());
    RunResult second = Sluice.start(readOnce(epochOfWorker), config.withCluster(1, addresses)).await(Duration.ofSeconds(60));
    first.get(60, TimeUnit.SECONDS);

    assertThat(second.workerCount()).isEqualTo(4);
    assertThat(epochOfWorker).containsOnlyKeys(0, 1, 2, 3);
    // read right after the cluster connected: epoch 1 (2 on a very slow machine), in both processes;
    // counted from its own launch, process 0's workers would have read in epoch 3 or later
    assertThat(epochOfWorker.values()).allSatisfy(e -> assertThat(e).isBetween(1L, 2L));
  }
}
