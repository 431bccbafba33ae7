package io.sluice.dataflow;

import static io.sluice.TestSupport.ints;
import static io.sluice.TestSupport.run;
import static io.sluice.TestSupport.workersWithInput;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.connectors.IterableSource;
import io.sluice.connectors.ListSink;
import io.sluice.inputs.PartitionAssignment;
import io.sluice.run.RunResult;
import io.sluice.run.StepStats;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** redistribute spreads a 1-partition source's items over all workers; nothing else moves items. */
class RedistributeTest {
  private static final int N = 1001;

  @ParameterizedTest
  @ValueSource(ints = {2, 4, 16})
  void withoutRedistributeEverythingStaysOnTheReadingWorker(int workers) {
    Dataflow flow = new Dataflow("no-redistribute");
    ListSink<Integer> sink = new ListSink<>();
    flow.input("in", IterableSource.of(ints(N), 10)).map("work", i -> i + 1).output("out", sink);
    RunResult r = run(flow, workers);
    assertThat(sink.items()).hasSize(N);
    assertThat(workersWithInput(r.step("work"))).containsExactly(0);
    assertThat(r.step("work").itemsIn(0)).isEqualTo(N);
    assertThat(workersWithInput(r.step("out"))).containsExactly(0);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4, 16})
  void redistributeDealsItemsEvenlyToEveryWorker(int workers) {
    Dataflow flow = new Dataflow("redistribute");
    ListSink<Integer> sink = new ListSink<>();
    flow.input("in", IterableSource.of(ints(N), 10))
        .redistribute("spread")
        .map("work", i -> i)
        .output("out", sink);
    RunResult r = run(flow, workers);

    assertThat(sink.items()).containsExactlyInAnyOrderElementsOf(ints(N));
    StepStats work = r.step("work");
    assertThat(work.totalIn()).isEqualTo(N);
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    for (int w = 0; w < workers; w++) {
      assertThat(work.itemsIn(w)).as("items on worker %d", w).isPositive();
      min = Math.min(min, work.itemsIn(w));
      max = Math.max(max, work.itemsIn(w));
    }
    assertThat(max - min).as("spread of %s", work).isLessThanOrEqualTo(1);
    assertThat(r.step("spread").totalIn()).isEqualTo(N);
    assertThat(r.step("spread").totalOut()).isEqualTo(N);
  }

  @Test
  void everySenderDealsRoundRobinOnItsOwn() {
    int workers = 4;
    // 4 partitions of different sizes; an item is (partition * 10_000 + i)
    Map<String, List<Integer>> parts = new LinkedHashMap<>();
    int[] sizes = {5, 103, 250, 37};
    for (int p = 0; p < 4; p++) {
      List<Integer> items = new ArrayList<>();
      for (int i = 0; i < sizes[p]; i++) {
        items.add(p * 10_000 + i);
      }
      parts.put("p" + p, items);
    }
    Map<Integer, AtomicLongArray> perPartitionPerWorker = new ConcurrentHashMap<>();
    Dataflow flow = new Dataflow("round-robin");
    ListSink<Integer> sink = new ListSink<>();
    flow.input("in", IterableSource.partitioned(parts, 8))
        .redistribute("spread")
        .inspect("where", (Integer item, int worker, long epoch) ->
            perPartitionPerWorker.computeIfAbsent(item / 10_000, p -> new AtomicLongArray(workers))
                .incrementAndGet(worker))
        .output("out", sink);
    run(flow, workers);

    assertThat(sink.items()).hasSize(5 + 103 + 250 + 37);
    Map<String, Integer> reader = PartitionAssignment.assign(List.of("p0", "p1", "p2", "p3"), workers);
    assertThat(reader.values()).containsExactlyInAnyOrder(0, 1, 2, 3);
    for (int p = 0; p < 4; p++) {
      AtomicLongArray counts = perPartitionPerWorker.get(p);
      long min = Long.MAX_VALUE;
      long max = Long.MIN_VALUE;
      long total = 0;
      for (int w = 0; w < workers; w++) {
        min = Math.min(min, counts.get(w));
        max = Math.max(max, counts.get(w));
        total += counts.get(w);
      }
      assertThat(total).isEqualTo(sizes[p]);
      assertThat(max - min).as("spread of partition p%d: %s", p, counts).isLessThanOrEqualTo(1);
    }
    // the first item of a sender goes to the sender's own index: p0 has 5 items from worker
    // reader(p0), so that worker and the next one got 2, the others 1
    int w0 = reader.get("p0");
    assertThat(perPartitionPerWorker.get(0).get(w0)).isEqualTo(2);
    assertThat(perPartitionPerWorker.get(0).get((w0 + 1) % workers)).isEqualTo(1);
  }
}
