package io.sluice.inputs;

import static io.sluice.TestSupport.run;
import static io.sluice.TestSupport.workersWithItems;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.TestSupport;
import io.sluice.connectors.IterableSource;
import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import io.sluice.run.RunResult;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Deterministic, even assignment of source partitions to primary workers. */
class PartitionAssignmentTest {

  private static List<String> names(int n) {
    List<String> l = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      l.add(String.format("part-%02d", i));
    }
    return l;
  }

  private static Map<Integer, Integer> load(Map<String, Integer> assignment, int workers) {
    Map<Integer, Integer> load = new TreeMap<>();
    for (int w = 0; w < workers; w++) {
      load.put(w, 0);
    }
    assignment.values().forEach(w -> load.merge(w, 1, Integer::sum));
    return load;
  }

  @ParameterizedTest
  @CsvSource({"1,1", "4,1", "4,4", "4,6", "10,3", "16,4", "3,16", "100,7"})
  void evenAndDeterministic(int partitions, int workers) {
    List<String> parts = names(partitions);
    Map<String, Integer> a = PartitionAssignment.assign(parts, workers);
    assertThat(a).containsOnlyKeys(parts);
    assertThat(a.values()).allSatisfy(w -> assertThat(w).isBetween(0, workers - 1));
    Map<Integer, Integer> load = load(a, workers);
    int max = Collections.max(load.values());
    int min = Collections.min(load.values());
    assertThat(max - min).as("load %s", load).isLessThanOrEqualTo(1);
    // the same answer from a shuffled input, every time
    List<String> shuffled = new ArrayList<>(parts);
    Collections.reverse(shuffled);
    assertThat(PartitionAssignment.assign(shuffled, workers)).isEqualTo(a);
    assertThat(PartitionAssignment.assign(parts, workers)).isEqualTo(a);
  }

  @Test
  void dealsRoundRobinInNameOrder() {
    Map<String, Integer> a = PartitionAssignment.assign(List.of("c", "a", "d", "b", "e"), 3);
    assertThat(a).containsExactlyEntriesOf(new TreeMap<>(Map.of("a", 0, "b", 1, "c", 2, "d", 0, "e", 1)));
  }

  @Test
  void fourPartitionsOverSixWorkersLeaveWorkersFourAndFiveIdle() {
    Map<String, Integer> a = PartitionAssignment.assign(List.of("p0", "p1", "p2", "p3"), 6);
    assertThat(a).isEqualTo(Map.of("p0", 0, "p1", 1, "p2", 2, "p3", 3));
    assertThat(a.values()).doesNotContain(4, 5);
  }

  @Test
  void partitionsWithFewerCandidatesAreAssignedFirst() {
    Map<String, SortedSet<Integer>> candidates = new LinkedHashMap<>();
    // "a" could go anywhere, but "z" can only be read by worker 0: z is placed first, so "a"
    // avoids worker 0 instead of taking it by name order and pushing z onto an overloaded worker
    candidates.put("a", new TreeSet<>(List.of(0, 1)));
    candidates.put("z", new TreeSet<>(List.of(0)));
    assertThat(PartitionAssignment.assign(candidates)).isEqualTo(Map.of("z", 0, "a", 1));

    Map<String, SortedSet<Integer>> c2 = new HashMap<>();
    c2.put("p1", new TreeSet<>(List.of(0, 1, 2)));
    c2.put("p2", new TreeSet<>(List.of(0, 1, 2)));
    c2.put("p3", new TreeSet<>(List.of(1, 2)));
    c2.put("p4", new TreeSet<>(List.of(2)));
    // order: p4 (1 candidate) -> 2; p3 (2) -> 1; p1 -> 0; p2 -> least loaded, lowest index: 0
    assertThat(PartitionAssignment.assign(c2)).isEqualTo(Map.of("p4", 2, "p3", 1, "p1", 0, "p2", 0));
  }

  @Test
  void badInputIsRejected() {
    assertThatThrownBy(() -> PartitionAssignment.assign(List.of("a"), 0)).hasMessageContaining("0");
    assertThatThrownBy(() -> PartitionAssignment.assign(List.of("a", "a"), 2)).hasMessageContaining("'a'");
    Map<String, SortedSet<Integer>> none = Map.of("lonely", new TreeSet<>());
    assertThatThrownBy(() -> PartitionAssignment.assign(none)).hasMessageContaining("'lonely'");
    assertThat(PartitionAssignment.assign(List.of(), 3)).isEmpty();
  }

  @Test
  void atRuntimeFourPartitionsOverSixWorkersAreReadByExactlyFourWorkers() {
    Map<String, List<Integer>> parts = new LinkedHashMap<>();
    for (int p = 0; p < 4; p++) {
      List<Integer> items = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        items.add(p * 100 + i);
      }
      parts.put("p" + p, items);
    }
    Dataflow flow = new Dataflow("six-workers");
    ListSink<Integer> sink = new ListSink<>();
    flow.input("in", IterableSource.partitioned(parts, 10)).output("out", sink);
    RunResult r = run(flow, 6);
    assertThat(sink.items()).containsExactlyInAnyOrderElementsOf(TestSupport.ints(400));
    assertThat(workersWithItems(r.step("in").itemsOutPerWorker())).containsExactly(0, 1, 2, 3);
    for (int w = 0; w < 4; w++) {
      assertThat(r.step("in").itemsOut(w)).isEqualTo(100);
    }
  }
}
