package io.sluice.aeron;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.connectors.IterableSource;
import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.KV;
import io.sluice.inputs.Routing;
import io.sluice.run.RunConfig;
import io.sluice.run.RunResult;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TwoProcessTest {
  static Dataflow countFlow(ListSink<KV<String, Long>> sink, int items) {
    Dataflow flow = new Dataflow("count");
    flow.input("numbers", IterableSource.of(() -> IntStream.range(0, items).iterator(), 500))
        .countFinal("count", i -> "k" + (i % 97))
        .output("out", sink);
    return flow;
  }

  @Test
  void keyedCountOverTwoProcessesEqualsOneProcess() throws Exception {
    int items = 200_000;
    List<ListSink<KV<String, Long>>> sinks = List.of(new ListSink<>(), new ListSink<>());
    LocalCluster.Result cluster = LocalCluster.run(2, RunConfig.workers(2).withRecordKeys(true),
        p -> countFlow(sinks.get(p), items), Duration.ofSeconds(60));
    List<RunResult> results = cluster.perProcess();
    Map<String, Long> counts = new TreeMap<>();
    for (ListSink<KV<String, Long>> s : sinks) {
      s.items().forEach(kv -> assertThat(counts.put(kv.key(), kv.value())).isNull());
    }
    Map<String, Long> expected = IntStream.range(0, items).mapToObj(i -> "k" + (i % 97))
        .collect(Collectors.groupingBy(k -> k, TreeMap::new, Collectors.counting()));
    assertThat(counts).isEqualTo(expected);
    // every key was counted on the worker routing predicts, in whichever process that worker lives
    for (int p = 0; p < 2; p++) {
      for (int w = 0; w < 4; w++) {
        for (Object k : results.get(p).step("count").keys(w)) {
          assertThat(Routing.workerFor(k, 4)).isEqualTo(w);
          assertThat(w / 2).isEqualTo(p);
        }
      }
    }
    RunResult all = cluster.merged();
    assertThat(all.step("numbers").totalOut()).isEqualTo(items);
    for (int w = 0; w < 4; w++) {
      assertThat(all.step("count").keys(w)).allSatisfy(k -> assertThat(Routing.workerFor(k, 4)).isNotNegative());
    }
    assertThat(all.step("count").keys(0).size() + all.step("count").keys(1).size() + all.step("count").keys(2).size()
        + all.step("count").keys(3).size()).isEqualTo(97);
  }
}
