package io.sluice.dataflow;

import static io.sluice.TestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.connectors.IterableSource;
import io.sluice.connectors.ListSink;
import io.sluice.run.StepFailedException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** statefulMap / statefulFlatMap with an initial state: the common lambda form compiles, no parameter types. */
class StatefulMapInitialStateTest {

  @ParameterizedTest
  @ValueSource(ints = {1, 3})
  void aRunningCountWithUntypedLambdaParameters(int workers) {
    Dataflow flow = new Dataflow("running-count");
    ListSink<KV<String, Long>> sink = new ListSink<>();
    flow.input("in", IterableSource.of(List.of("a", "b", "a", "a", "b")))
        .keyOn("by-word", w -> w)
        // the form of the issue: untyped (count, word); the state type comes from () -> 0L
        .statefulMap("count", () -> 0L, (count, word) -> {
          long n = count.get() + 1;
          count.set(n);
          return n;
        })
        .output("out", sink);
    run(flow, workers);
    Map<String, List<Long>> byKey = sink.items().stream()
        .collect(Collectors.groupingBy(KV::key, TreeMap::new, Collectors.mapping(KV::value, Collectors.toList())));
    assertThat(byKey.get("a")).containsExactly(1L, 2L, 3L);
    assertThat(byKey.get("b")).containsExactly(1L, 2L);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2})
  void aFlatMapWithAGenericStateAndClearing(int workers) {
    Dataflow flow = new Dataflow("pairs");
    ListSink<KV<String, List<Integer>>> sink = new ListSink<>();
    flow.input("in", IterableSource.of(List.of(1, 2, 3, 4, 5, 6)))
        .keyOn("parity", i -> i % 2 == 0 ? "even" : "odd")
        // emits the values two at a time; clearing starts the key over from a fresh initial list
        .statefulFlatMap("pairs", () -> new ArrayList<Integer>(), (pending, i) -> {
          var p = pending.get();
          p.add(i);
          if (p.size() < 2) {
            pending.set(p);
            return List.of();
          }
          pending.clear();
          return List.of(List.copyOf(p));
        })
        .output("out", sink);
    run(flow, workers);
    assertThat(sink.items()).containsExactlyInAnyOrder(
        KV.of("odd", List.of(1, 3)), KV.of("even", List.of(2, 4)));
  }

  @ParameterizedTest
  @ValueSource(ints = {1})
  void aNullInitialStateIsNamedWithTheStep(int workers) {
    Dataflow flow = new Dataflow("null-initial");
    ListSink<KV<String, Long>> sink = new ListSink<>();
    flow.input("in", IterableSource.of(List.of("a")))
        .keyOn("by-word", w -> w)
        .statefulMap("count", () -> (Long) null, (count, word) -> count.get() + 1)
        .output("out", sink);
    assertThatThrownBy(() -> run(flow, workers)).isInstanceOf(StepFailedException.class)
        .hasStackTraceContaining("step 'count': the initial state supplier returned null");
  }
}
