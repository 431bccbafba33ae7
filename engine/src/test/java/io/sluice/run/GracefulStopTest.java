package io.sluice.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.TestSupport;
import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.KV;
import io.sluice.inputs.DynamicSource;
import io.sluice.inputs.StatelessSourcePartition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link RunningDataflow#stop}: sources end as at end of stream, every item read reaches the sinks
 * (a final count includes it), partitions are closed, and await() returns normally.
 */
class GracefulStopTest {

  @ParameterizedTest
  @ValueSource(ints = {1, 3})
  void stopEndsSourcesAndDrainsEveryItemReadToTheSinks(int workers) {
    AtomicLong read = new AtomicLong();
    AtomicLong closed = new AtomicLong();
    ListSink<KV<Integer, Long>> sink = new ListSink<>();
    Dataflow flow = new Dataflow(TestSupport.uniqueName("stop"));
    flow.input("numbers", (DynamicSource<Long>) (step, worker, count) -> new StatelessSourcePartition<>() {
      private long next;

      @Override
      public List<Long> nextBatch() {
        List<Long> batch = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
          batch.add(next++);
        }
        read.addAndGet(batch.size());
        return batch;
      }

      @Override
      public void close() {
        closed.incrementAndGet();
      }
    }).countFinal("count", n -> (int) (n % 7)).output("out", sink);
    RunningDataflow run = Sluice.start(flow, RunConfig.workers(workers));
    await("items flow").atMost(Duration.ofSeconds(30)).until(() -> read.get() > 10_000);
    run.stop("test");
    run.stop("test again"); // idempotent
    RunResult result = run.await(Duration.ofSeconds(30));
    assertThat(run.stopReason()).isEqualTo("process 0 was stopped: test");
    Map<Integer, Long> counts = new HashMap<>();
    sink.items().forEach(kv -> counts.merge(kv.key(), kv.value(), Long::sum));
    assertThat(counts.values().stream().mapToLong(Long::longValue).sum()).as("every item read was counted")
        .isEqualTo(read.get());
    assertThat(result.step("numbers").totalOut()).isEqualTo(read.get());
    assertThat(closed.get()).as("every source partition was closed").isEqualTo(workers);
  }
}
