package io.sluice.testkit;

import static io.sluice.testkit.SluiceAssertions.assertThat;
import static io.sluice.testkit.SluiceAssertions.assertThatThrownBy;

import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.KV;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Output assertions pass on the right output and, on a wrong one, say what is missing, unexpected and duplicated. */
class OutputAssertTest {
  /** Runs {@code items} through one worker to a sink, in order. */
  static <T> SinkOutput<T> outputOf(List<T> items) {
    TestSink<T> out = new TestSink<>();
    Dataflow flow = new Dataflow("fixed");
    flow.input("in", TestSource.ofAll(items)).output("out", out);
    return DataflowRunner.withWorkers(1).run(flow).output(out);
  }

  @Test
  void anyOrderListsMissingUnexpectedAndDuplicatedSeparately() {
    SinkOutput<String> out = outputOf(List.of("a", "b", "b", "z", "c", "c", "c"));
    assertThatThrownBy(() -> assertThat(out).containsExactlyInAnyOrder("a", "b", "c", "d", "e"))
        .isInstanceOf(AssertionError.class)
        .hasMessage("Expected output of step 'out' at 1 worker to contain exactly (in any order) 5 items, but it"
            + " received 7 items:\n"
            + "  missing (2): [\"d\", \"e\"]\n"
            + "  unexpected (1): [\"z\" from worker 0]\n"
            + "  duplicated (2): [\"b\" expected once, received 2 times from worker 0,"
            + " \"c\" expected once, received 3 times from worker 0]");
    assertThat(out).containsExactlyInAnyOrder("c", "z", "b", "c", "a", "b", "c");
  }

  @Test
  void onlyTheKindsOfDifferenceThatOccurAreListed() {
    SinkOutput<Integer> out = outputOf(List.of(1, 2));
    assertThatThrownBy(() -> assertThat(out).containsExactlyInAnyOrder(1, 2, 3))
        .hasMessage("Expected output of step 'out' at 1 worker to contain exactly (in any order) 3 items, but it"
            + " received 2 items:\n  missing (1): [3]");
  }

  @Test
  void inOrderNamesTheFirstPositionThatDiffers() {
    SinkOutput<Integer> out = outputOf(List.of(1, 3, 2));
    assertThat(out).containsExactly(1, 3, 2);
    assertThatThrownBy(() -> assertThat(out).containsExactly(1, 2, 3))
        .hasMessageContaining("it received the right items in another order. First difference at position 1:"
            + " expected 2 but received 3 from worker 0")
        .hasMessageContaining("expected: [1, 2, 3]\n  received: [1, 3, 2]");
  }

  @Test
  void orderWithinKeyIgnoresOrderAcrossKeys() {
    SinkOutput<KV<String, Integer>> out = outputOf(List.of(KV.of("a", 1), KV.of("b", 1), KV.of("a", 2), KV.of("b", 2)));
    assertThat(out).containsExactlyInOrderWithinKey(KV::key, KV.of("b", 1), KV.of("b", 2), KV.of("a", 1), KV.of("a", 2));
    assertThatThrownBy(() -> assertThat(out).containsExactlyInOrderWithinKey(KV::key,
        KV.of("a", 2), KV.of("a", 1), KV.of("b", 1), KV.of("b", 2)))
        .hasMessageContaining("to keep each key's items in order; 1 key's items arrived in another order:\n"
            + "  key \"a\": expected [KV[key=a, value=2], KV[key=a, value=1]] but received"
            + " [KV[key=a, value=1], KV[key=a, value=2]]");
    assertThat(out).isInOrderWithinKey(KV::key, java.util.Comparator.comparing(KV::value));
    assertThatThrownBy(() -> assertThat(out).isInOrderWithinKey(KV::key,
        java.util.Comparator.comparing(KV<String, Integer>::value).reversed()))
        .hasMessageContaining("2 keys' items did not:\n  key \"a\": KV[key=a, value=2] arrived after KV[key=a, value=1]");
  }

  @Test
  void noDuplicatesNamesEachDuplicateAndHowOften() {
    SinkOutput<String> out = outputOf(List.of("x", "y", "x", "x"));
    assertThatThrownBy(() -> assertThat(out).hasNoDuplicates())
        .hasMessage("Expected output of step 'out' at 1 worker to have no duplicates, but 1 item arrived more than"
            + " once:\n  duplicated (1): [\"x\" received 3 times from worker 0]");
    assertThat(outputOf(List.of("x", "y"))).hasNoDuplicates().hasSize(2).items().startsWith("x");
  }

  @Test
  void longListsAreCut() {
    SinkOutput<Integer> out = outputOf(java.util.stream.IntStream.range(0, 50).boxed().toList());
    assertThatThrownBy(() -> assertThat(out).isEmpty())
        .hasMessageContaining("19, ... and 30 more]");
  }

  @Test
  void aDescriptionFromAsIsKept() {
    SinkOutput<Integer> out = outputOf(List.of(1));
    assertThatThrownBy(() -> assertThat(out).as("word counts").containsExactlyInAnyOrder(2))
        .hasMessageStartingWith("[word counts] Expected");
  }
}
