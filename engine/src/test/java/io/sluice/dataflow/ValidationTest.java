package io.sluice.dataflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.TestSupport;
import io.sluice.connectors.IterableSource;
import io.sluice.connectors.ListSink;
import io.sluice.run.RunConfig;
import io.sluice.run.Sluice;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Plan errors fail when the flow is built or before it runs, naming the step and the dataflow. */
class ValidationTest {

  @Test
  void duplicateStepIdNamesTheId() {
    Dataflow flow = new Dataflow("dup");
    Stream<Integer> in = flow.input("in", IterableSource.of(List.of(1)));
    in.map("twice", i -> i);
    assertThatThrownBy(() -> in.map("twice", i -> i))
        .isInstanceOf(FlowValidationException.class)
        .hasMessageContaining("'twice'")
        .hasMessageContaining("duplicate")
        .hasMessageContaining("'dup'");
    assertThatThrownBy(() -> flow.input("in", IterableSource.of(List.of(2))))
        .isInstanceOf(FlowValidationException.class)
        .hasMessageContaining("'in'");
    // an id a composed operator uses for its extra steps is taken too
    in.keyOn("k", i -> i).reduceFinal("sum", Integer::sum);
    assertThatThrownBy(() -> in.map("sum.pre", i -> i))
        .isInstanceOf(FlowValidationException.class)
        .hasMessageContaining("'sum.pre'");
  }

  @ParameterizedTest
  @NullSource
  @ValueSource(strings = {"", "   ", "\t"})
  void blankOrNullStepIdIsRejected(String id) {
    Dataflow flow = new Dataflow("blank");
    assertThatThrownBy(() -> flow.input(id, IterableSource.of(List.of(1))))
        .isInstanceOf(FlowValidationException.class)
        .hasMessageContaining("non-blank id")
        .hasMessageContaining("'blank'");
    Stream<Integer> in = flow.input("in", IterableSource.of(List.of(1)));
    assertThatThrownBy(() -> in.map(id, i -> i))
        .isInstanceOf(FlowValidationException.class)
        .hasMessageContaining("non-blank id");
  }

  @ParameterizedTest
  @NullSource
  @ValueSource(strings = {"", " "})
  void blankOrNullDataflowNameIsRejected(String name) {
    assertThatThrownBy(() -> new Dataflow(name)).isInstanceOf(FlowValidationException.class);
  }

  @Test
  void mergeAcrossDataflowsNamesTheStepAndBothFlows() {
    Dataflow a = new Dataflow("flow-a");
    Dataflow b = new Dataflow("flow-b");
    Stream<Integer> sa = a.input("in-a", IterableSource.of(List.of(1)));
    Stream<Integer> sb = b.input("in-b", IterableSource.of(List.of(2)));
    assertThatThrownBy(() -> sa.merge("both", sb))
        .isInstanceOf(FlowValidationException.class)
        .hasMessageContaining("'both'")
        .hasMessageContaining("'flow-a'")
        .hasMessageContaining("'flow-b'")
        .hasMessageContaining("'in-b'");
    assertThatThrownBy(() -> a.merge("both2", sa, sb))
        .isInstanceOf(FlowValidationException.class)
        .hasMessageContaining("'both2'");
    // the failed step did not take its id: it can be used once the mistake is fixed
    sa.merge("both", sa.map("copy", i -> i)).output("out", new ListSink<>());
    assertThat(a.steps()).extracting(Step::id).containsExactly("in-a", "copy", "both", "out");
  }

  @Test
  void joinAcrossDataflowsNamesTheJoinAndLeavesTheOtherFlowAlone() {
    Dataflow a = new Dataflow("join-a");
    Dataflow b = new Dataflow("join-b");
    KeyedStream<String, Integer> ka = a.input("in-a", IterableSource.of(List.of(1))).keyOn("ka", String::valueOf);
    KeyedStream<String, Integer> kb = b.input("in-b", IterableSource.of(List.of(2))).keyOn("kb", String::valueOf);
    List<Step> stepsOfA = List.copyOf(a.steps());
    List<Step> stepsOfB = List.copyOf(b.steps());
    assertThatThrownBy(() -> ka.join("j", kb, JoinMode.COMPLETE))
        .isInstanceOf(FlowValidationException.class)
        .hasMessageContaining("'j'")
        .hasMessageContaining("'join-a'")
        .hasMessageContaining("'join-b'");
    assertThat(a.steps()).isEqualTo(stepsOfA);
    assertThat(b.steps()).isEqualTo(stepsOfB);
  }

  @Test
  void aDataflowWithoutInputFailsBeforeAnythingRuns() {
    Dataflow flow = new Dataflow(TestSupport.uniqueName("no-input"));
    assertThatThrownBy(() -> Sluice.run(flow, 2))
        .isInstanceOf(FlowValidationException.class)
        .hasMessageContaining("'" + flow.name() + "'")
        .hasMessageContaining("no input");
    assertThat(TestSupport.workerThreads(flow.name())).isEmpty();
  }

  @Test
  void aDataflowWithoutOutputFailsBeforeAnythingRuns() {
    Dataflow flow = new Dataflow(TestSupport.uniqueName("no-output"));
    flow.input("in", IterableSource.of(List.of(1, 2, 3))).map("m", i -> i);
    assertThatThrownBy(() -> Sluice.start(flow, RunConfig.workers(2)))
        .isInstanceOf(FlowValidationException.class)
        .hasMessageContaining("'" + flow.name() + "'")
        .hasMessageContaining("no output");
    assertThat(TestSupport.workerThreads(flow.name())).isEmpty();
  }

  @Test
  void mergeOfNothingAndBadCollectSizeAreRejected() {
    Dataflow flow = new Dataflow("misc");
    assertThatThrownBy(() -> flow.merge("empty"))
        .isInstanceOf(FlowValidationException.class)
        .hasMessageContaining("'empty'");
    KeyedStream<Integer, Integer> k = flow.input("in", IterableSource.of(List.of(1))).keyOn("k", i -> i);
    assertThatThrownBy(() -> k.collect("c", 0, Duration.ofSeconds(1)))
        .isInstanceOf(FlowValidationException.class)
        .hasMessageContaining("'c'")
        .hasMessageContaining("maxSize");
  }

  @Test
  void nullSourceAndSinkNameTheStep() {
    Dataflow flow = new Dataflow("nulls");
    assertThatThrownBy(() -> flow.input("src", null)).hasMessageContaining("'src'");
    Stream<Integer> in = flow.input("in", IterableSource.of(List.of(1)));
    assertThatThrownBy(() -> in.output("sink", null)).hasMessageContaining("'sink'");
  }
}
