package io.sluice.dataflow;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.DataflowRunner;
import io.sluice.testkit.DataflowTest;
import io.sluice.testkit.TestSink;
import io.sluice.testkit.TestSource;
import java.util.List;
import java.util.Optional;

/**
 * Bytewax's join semantics that the first join lacked: insert modes FIRST and PRODUCT, joins of
 * more than two sides, and filterMapValue. One partition read one item per batch, so each key's
 * join sees the items in script order at every worker and process count.
 */
@DataflowTest(workers = {1, 2, 4}, processes = {1, 2})
class JoinInsertModesTest {

  /** "key:value" strings; the value's first letter names the side (A, B, C). */
  static KeyedStream<String, String> side(KeyedStream<String, String> all, String letter) {
    return all.filterMapValue("side-" + letter, v -> v.startsWith(letter) ? Optional.of(v) : Optional.empty());
  }

  static KeyedStream<String, String> input(Dataflow flow, String... items) {
    return flow.input("in", TestSource.of(items).withBatchSize(1))
        .keyOn("key", s -> s.substring(0, s.indexOf(':')))
        .mapValue("value", s -> s.substring(s.indexOf(':') + 1));
  }

  static List<String> twoSided(DataflowRunner runner, JoinInsertMode insert, JoinMode emit, String... items) {
    Dataflow flow = new Dataflow("join2");
    KeyedStream<String, String> all = input(flow, items);
    TestSink<String> out = new TestSink<>();
    side(all, "A").join("join", side(all, "B"), insert, emit)
        .map("show", kv -> kv.key() + " " + kv.value().left() + "+" + kv.value().right())
        .output("out", out);
    return runner.run(flow).items(out);
  }

  static final String[] SCRIPT = {"a:A1", "a:A2", "a:B1", "a:B2", "a:A3", "b:A1"};

  @DataflowTest
  void lastModeIsTheFirstJoinsBehaviour(DataflowRunner runner) {
    assertThat(twoSided(runner, JoinInsertMode.LAST, JoinMode.COMPLETE, SCRIPT)).containsExactly("a A2+B1", "a A3+B2");
    assertThat(twoSided(runner, JoinInsertMode.LAST, JoinMode.FINAL, SCRIPT))
        .containsExactlyInAnyOrder("a A3+B2", "b A1+null");
  }

  @DataflowTest
  void firstModeKeepsEachSidesFirstValue(DataflowRunner runner) {
    assertThat(twoSided(runner, JoinInsertMode.FIRST, JoinMode.COMPLETE, SCRIPT)).containsExactly("a A1+B1", "a A3+B2");
    assertThat(twoSided(runner, JoinInsertMode.FIRST, JoinMode.FINAL, SCRIPT))
        .containsExactlyInAnyOrder("a A1+B1", "b A1+null");
    assertThat(twoSided(runner, JoinInsertMode.FIRST, JoinMode.RUNNING, SCRIPT)).filteredOn(s -> s.startsWith("a"))
        .containsExactly("a A1+null", "a A1+null", "a A1+B1", "a A1+B1", "a A1+B1");
  }

  @DataflowTest
  void productModeEmitsEveryCombination(DataflowRunner runner) {
    // complete: once B1 comes, A1 and A2 each pair with it; then the state starts over (B2, A3)
    assertThat(twoSided(runner, JoinInsertMode.PRODUCT, JoinMode.COMPLETE, SCRIPT))
        .containsExactly("a A1+B1", "a A2+B1", "a A3+B2");
    assertThat(twoSided(runner, JoinInsertMode.PRODUCT, JoinMode.FINAL, SCRIPT)).containsExactlyInAnyOrder(
        "a A1+B1", "a A1+B2", "a A2+B1", "a A2+B2", "a A3+B1", "a A3+B2", "b A1+null");
  }

  @DataflowTest
  void threeSidesGiveRowsWithOneValuePerSideInArgumentOrder(DataflowRunner runner) {
    Dataflow flow = new Dataflow("join3");
    KeyedStream<String, String> all = input(flow, "a:C1", "a:A1", "b:B1", "a:B1", "a:A2", "b:C1");
    TestSink<String> out = new TestSink<>();
    side(all, "A").join("join", List.of(side(all, "B"), side(all, "C")), JoinInsertMode.LAST, JoinMode.RUNNING)
        .map("show", kv -> kv.key() + " " + kv.value())
        .output("out", out);
    List<String> rows = runner.run(flow).items(out);
    assertThat(rows).filteredOn(s -> s.startsWith("a")).containsExactly(
        "a [null, null, C1]", "a [A1, null, C1]", "a [A1, B1, C1]", "a [A2, B1, C1]");
    assertThat(rows).filteredOn(s -> s.startsWith("b")).containsExactly("b [null, B1, null]", "b [null, B1, C1]");
  }

  @DataflowTest
  void filterMapValueMapsKeepsAndDropsWithTheKey(DataflowRunner runner) {
    Dataflow flow = new Dataflow("filter-map-value");
    TestSink<KV<String, Integer>> out = new TestSink<>();
    input(flow, "a:1", "b:x", "c:3")
        .filterMapValue("parse", v -> v.matches("\\d+") ? Optional.of(Integer.parseInt(v)) : Optional.empty())
        .output("out", out);
    assertThat(runner.run(flow).items(out)).containsExactlyInAnyOrder(KV.of("a", 1), KV.of("c", 3));
  }
}
