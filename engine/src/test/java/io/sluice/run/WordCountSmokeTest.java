package io.sluice.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.connectors.IterableSource;
import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.KV;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WordCountSmokeTest {
  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4, 16})
  void countsWordsAtAnyWorkerCount(int workers) {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 5000; i++) {
      lines.add("a b c" + (i % 7) + " d" + (i % 100));
    }
    ListSink<KV<String, Long>> sink = new ListSink<>();
    Dataflow flow = new Dataflow("wc");
    flow.input("lines", IterableSource.of(lines, 100))
        .flatMap("split", l -> Arrays.asList(l.split(" ")))
        .countFinal("count", w -> w)
        .output("out", sink);
    RunResult r = io.sluice.TestSupport.run(flow, RunConfig.workers(workers).withRecordKeys(true));

    Map<String, Long> expected = lines.stream().flatMap(l -> Arrays.stream(l.split(" ")))
        .collect(Collectors.groupingBy(w -> w, TreeMap::new, Collectors.counting()));
    Map<String, Long> actual = new TreeMap<>();
    sink.items().forEach(kv -> assertThat(actual.put(kv.key(), kv.value())).isNull());
    assertThat(actual).isEqualTo(expected);
    assertThat(r.step("lines").totalOut()).isEqualTo(5000);
    for (int w = 0; w < workers; w++) {
      for (Object k : r.step("count").keys(w)) {
        assertThat(io.sluice.inputs.Routing.workerFor(k, workers)).isEqualTo(w);
      }
    }
  }
}
