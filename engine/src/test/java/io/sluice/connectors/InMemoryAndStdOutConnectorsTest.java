package io.sluice.connectors;

import static io.sluice.TestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.TestSupport;
import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.KV;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** IterableSource, ListSink and StdOutSink. */
class InMemoryAndStdOutConnectorsTest {

  @ParameterizedTest
  @ValueSource(ints = {1, 4})
  void listSinkCollectsFromEveryWorkerAndKeepsOneWorkersOrder(int workers) {
    Dataflow flow = new Dataflow("list-sink");
    ListSink<Integer> ordered = new ListSink<>();
    ListSink<KV<Integer, Long>> fromAll = new ListSink<>();
    flow.input("in", IterableSource.of(TestSupport.ints(1000), 9)).output("ordered", ordered);
    flow.input("in2", IterableSource.of(TestSupport.ints(1000), 9))
        .countFinal("count", i -> i % 50)
        .output("all", fromAll);
    run(flow, workers);
    assertThat(ordered.items()).containsExactlyElementsOf(TestSupport.ints(1000)); // one reader: in order
    assertThat(fromAll.items()).hasSize(50).allSatisfy(kv -> assertThat(kv.value()).isEqualTo(20L));
    List<Integer> copy = ordered.items();
    copy.clear();
    assertThat(ordered.items()).hasSize(1000); // items() is a copy
  }

  @Test
  void iterableSourceBatchesAndPartitions() {
    Map<String, List<Integer>> parts = new LinkedHashMap<>();
    parts.put("b", List.of(1, 2, 3, 4, 5));
    parts.put("a", List.of(6));
    IterableSource<Integer> src = IterableSource.partitioned(parts, 2);
    assertThat(src.listPartitions()).containsExactly("b", "a");
    var p = src.buildPartition("s", "b", null);
    assertThat(p.nextBatch()).containsExactly(1, 2);
    assertThat(p.nextBatch()).containsExactly(3, 4);
    assertThat(p.snapshot()).isEqualTo(4L);
    assertThat(p.nextBatch()).containsExactly(5);
    assertThat(p.nextBatch()).isNull();
    var resumed = src.buildPartition("s", "b", 3L);
    assertThat(resumed.nextBatch()).containsExactly(4, 5);
    assertThatThrownBy(() -> src.buildPartition("s", "zzz", null)).hasMessageContaining("'zzz'")
        .hasMessageContaining("'s'");
    assertThatThrownBy(() -> IterableSource.partitioned(Map.of(), 1)).hasMessageContaining("at least one");
    assertThatThrownBy(() -> IterableSource.of(List.of(), 0)).hasMessageContaining("0");
    assertThat(IterableSource.of(List.of(1)).listPartitions()).containsExactly("iterable");
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4})
  void stdOutSinkPrintsEveryItemOnItsOwnLine(int workers) {
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      expected.add("line " + i + " ✓");
    }
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream original = System.out;
    try (PrintStream capture = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
      System.setOut(capture);
      Dataflow flow = new Dataflow("stdout");
      flow.input("in", IterableSource.of(expected, 7)).redistribute("spread").output("print", new StdOutSink<>());
      run(flow, workers);
    } finally {
      System.setOut(original);
    }
    String text = captured.toString(StandardCharsets.UTF_8);
    assertThat(text).endsWith("\n");
    assertThat(Arrays.asList(text.split("\n"))).containsExactlyInAnyOrderElementsOf(expected);
  }
}
