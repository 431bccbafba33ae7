package io.sluice.dataflow;

import static io.sluice.TestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.ScriptedSource;
import io.sluice.connectors.IterableSource;
import io.sluice.connectors.ListSink;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** join in its three modes. */
class JoinTest {

  /** One input item of a scripted join: which side, the key, the value. */
  record In(boolean left, String key, String value) {}

  static In l(String key, String value) {
    return new In(true, key, value);
  }

  static In r(String key, String value) {
    return new In(false, key, value);
  }

  /**
   * Joins a script played one item per batch by one source: both sides are split from the same
   * stream on one worker, so the join sees the items exactly in script order.
   */
  private static List<KV<String, Joined<String, String>>> joinScript(int workers, JoinMode mode, In... script) {
    ScriptedSource<In> src = ScriptedSource.create();
    for (In in : script) {
      src.emit(in);
    }
    Dataflow flow = new Dataflow("join-script");
    Branched<In> sides = flow.input("in", src).branch("side", In::left);
    KeyedStream<String, String> left = sides.trues().keyOn("lk", In::key).mapValue("lv", In::value);
    KeyedStream<String, String> right = sides.falses().keyOn("rk", In::key).mapValue("rv", In::value);
    ListSink<KV<String, Joined<String, String>>> sink = new ListSink<>();
    left.join("join", right, mode).output("out", sink);
    run(flow, workers);
    return sink.items();
  }

  private static KV<String, Joined<String, String>> j(String key, String left, String right) {
    return KV.of(key, new Joined<>(left, right));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4})
  void completeEmitsOnceBothSidesArePresentThenStartsOver(int workers) {
    List<KV<String, Joined<String, String>>> out = joinScript(workers, JoinMode.COMPLETE,
        l("a", "L1"), l("b", "L1"), l("a", "L2"), r("a", "R1"), r("a", "R2"), l("a", "L3"), r("c", "R1"));
    assertThat(out).containsExactly(j("a", "L2", "R1"), j("a", "L3", "R2"));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4})
  void finalEmitsTheLatestOfEachSideAtTheEnd(int workers) {
    List<KV<String, Joined<String, String>>> out = joinScript(workers, JoinMode.FINAL,
        l("a", "L1"), r("a", "R1"), l("a", "L2"), l("b", "L1"), r("c", "R1"), r("c", "R2"));
    assertThat(out).containsExactlyInAnyOrder(j("a", "L2", "R1"), j("b", "L1", null), j("c", null, "R2"));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4})
  void runningEmitsOnEveryValueWithTheLatestOfEachSide(int workers) {
    List<KV<String, Joined<String, String>>> out = joinScript(workers, JoinMode.RUNNING,
        l("a", "L1"), r("a", "R1"), r("b", "R1"), l("a", "L2"), r("a", "R2"));
    Map<String, List<Joined<String, String>>> byKey = byKey(out);
    assertThat(byKey.get("a")).containsExactly(new Joined<>("L1", null), new Joined<>("L1", "R1"),
        new Joined<>("L2", "R1"), new Joined<>("L2", "R2"));
    assertThat(byKey.get("b")).containsExactly(new Joined<>(null, "R1"));
  }

  // ------------------------------------------------------------------ two real inputs, many keys

  /** Left: keys k0..k119 with value "L{i}"; right: keys k0..k99 and k120..k129 with value i. */
  private static <T> List<KV<String, Joined<String, Integer>>> joinTwoInputs(int workers, JoinMode mode,
      int valuesPerKey) {
    List<KV<String, String>> lefts = new ArrayList<>();
    List<KV<String, Integer>> rights = new ArrayList<>();
    for (int v = 0; v < valuesPerKey; v++) {
      for (int i = 0; i < 120; i++) {
        lefts.add(KV.of("k" + i, "L" + v));
      }
      for (int i = 0; i < 130; i++) {
        if (i < 100 || i >= 120) {
          rights.add(KV.of("k" + i, v));
        }
      }
    }
    Dataflow flow = new Dataflow("join-inputs");
    KeyedStream<String, String> left = flow.input("left", IterableSource.of(lefts, 17))
        .keyOn("lk", KV::key).mapValue("lv", KV::value);
    KeyedStream<String, Integer> right = flow.input("right", IterableSource.of(rights, 23))
        .keyOn("rk", KV::key).mapValue("rv", KV::value);
    ListSink<KV<String, Joined<String, Integer>>> sink = new ListSink<>();
    left.join("join", right, mode).output("out", sink);
    run(flow, workers);
    return sink.items();
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4, 16})
  void completeOverTwoInputs(int workers) {
    List<KV<String, Joined<String, Integer>>> out = joinTwoInputs(workers, JoinMode.COMPLETE, 1);
    List<KV<String, Joined<String, Integer>>> expected = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      expected.add(KV.of("k" + i, new Joined<>("L0", 0)));
    }
    assertThat(out).containsExactlyInAnyOrderElementsOf(expected);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4, 16})
  void finalOverTwoInputs(int workers) {
    List<KV<String, Joined<String, Integer>>> out = joinTwoInputs(workers, JoinMode.FINAL, 3);
    List<KV<String, Joined<String, Integer>>> expected = new ArrayList<>();
    for (int i = 0; i < 130; i++) {
      expected.add(KV.of("k" + i, new Joined<>(i < 120 ? "L2" : null, i < 100 || i >= 120 ? 2 : null)));
    }
    assertThat(out).containsExactlyInAnyOrderElementsOf(expected);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4, 16})
  void runningOverTwoInputsSeesEachSideInItsOwnOrder(int workers) {
    List<KV<String, Joined<String, Integer>>> out = joinTwoInputs(workers, JoinMode.RUNNING, 3);
    Map<String, List<Joined<String, Integer>>> byKey = byKey(out);
    assertThat(byKey).hasSize(130);
    byKey.forEach((key, joined) -> {
      int i = Integer.parseInt(key.substring(1));
      boolean hasLeft = i < 120;
      boolean hasRight = i < 100 || i >= 120;
      assertThat(joined).as(key).hasSize((hasLeft ? 3 : 0) + (hasRight ? 3 : 0));
      // how the sides interleave depends on timing; each side's values come in their order
      int lastLeft = -1;
      int lastRight = -1;
      for (Joined<String, Integer> jn : joined) {
        int lv = jn.left() == null ? -1 : Integer.parseInt(jn.left().substring(1));
        int rv = jn.right() == null ? -1 : jn.right();
        assertThat(lv).as("left of %s in %s", key, joined).isGreaterThanOrEqualTo(lastLeft);
        assertThat(rv).as("right of %s in %s", key, joined).isGreaterThanOrEqualTo(lastRight);
        assertThat(lv > lastLeft || rv > lastRight).as("each output follows a new value: %s", joined).isTrue();
        lastLeft = lv;
        lastRight = rv;
      }
      assertThat(joined.get(joined.size() - 1))
          .isEqualTo(new Joined<>(hasLeft ? "L2" : null, hasRight ? 2 : null));
    });
  }

  private static <L, R> Map<String, List<Joined<L, R>>> byKey(List<KV<String, Joined<L, R>>> out) {
    return out.stream().collect(
        Collectors.groupingBy(KV::key, TreeMap::new, Collectors.mapping(KV::value, Collectors.toList())));
  }
}
