package io.sluice.dataflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.connectors.IterableSource;
import io.sluice.connectors.ListSink;
import io.sluice.dataflow.FlowGraph.Edge;
import io.sluice.dataflow.FlowGraph.Exchange;
import io.sluice.dataflow.FlowGraph.Node;
import java.util.List;
import org.junit.jupiter.api.Test;

class FlowGraphTest {
  /** in -> split -> branch(even?) -> [evens: tag] + [odds] -> merge -> redistribute -> count (keyed) -> out. */
  static Dataflow branchMergeKeyed() {
    Dataflow flow = new Dataflow("graph \"test\"");
    Branched<Integer> b = flow.input("in", IterableSource.of(List.of(1, 2, 3)))
        .map("double", i -> i * 2)
        .branch("even?", i -> i % 4 == 0);
    Stream<Integer> tagged = b.trues().map("tag", i -> i + 1);
    tagged.merge("merge", b.falses())
        .redistribute("spread")
        .countFinal("count", i -> i % 3)
        .output("out", new ListSink<>());
    return flow;
  }

  @Test
  void listsStepsKindsAndExchangesInPlanOrder() {
    FlowGraph g = branchMergeKeyed().graph();
    assertThat(g.nodes()).extracting(Node::id, Node::kind, Node::exchange).containsExactly(
        org.assertj.core.groups.Tuple.tuple("in", "input", Exchange.NONE),
        org.assertj.core.groups.Tuple.tuple("double", "flat_map_batch", Exchange.NONE),
        org.assertj.core.groups.Tuple.tuple("even?", "branch", Exchange.NONE),
        org.assertj.core.groups.Tuple.tuple("tag", "flat_map_batch", Exchange.NONE),
        org.assertj.core.groups.Tuple.tuple("merge", "merge", Exchange.NONE),
        org.assertj.core.groups.Tuple.tuple("spread", "redistribute", Exchange.ROUND_ROBIN),
        org.assertj.core.groups.Tuple.tuple("count.pre", "flat_map_batch", Exchange.NONE),
        org.assertj.core.groups.Tuple.tuple("count", "stateful_batch", Exchange.BY_KEY),
        org.assertj.core.groups.Tuple.tuple("out", "output", Exchange.NONE));
    assertThat(g.nodes().get(0).detail()).isEqualTo("IterableSource, fixed partitions, each read by one worker");
    assertThat(g.nodes().get(8).detail()).isEqualTo("ListSink, one partition per worker");
  }

  @Test
  void edgesNameBranchPortsMergeInputsAndExchanges() {
    FlowGraph g = branchMergeKeyed().graph();
    assertThat(g.edges()).containsExactly(
        new Edge("in", 0, "double", 0, "", Exchange.NONE),
        new Edge("double", 0, "even?", 0, "", Exchange.NONE),
        new Edge("even?", 0, "tag", 0, "true", Exchange.NONE),
        new Edge("tag", 0, "merge", 0, "", Exchange.NONE),
        new Edge("even?", 1, "merge", 1, "false", Exchange.NONE),
        new Edge("merge", 0, "spread", 0, "", Exchange.ROUND_ROBIN),
        new Edge("spread", 0, "count.pre", 0, "", Exchange.NONE),
        new Edge("count.pre", 0, "count", 0, "", Exchange.BY_KEY),
        new Edge("count", 0, "out", 0, "", Exchange.NONE));
  }

  @Test
  void mermaidShowsEveryStepAndMarksExchanges() {
    String m = branchMergeKeyed().graph().toMermaid();
    assertThat(m).startsWith("flowchart TD\n")
        .contains("%% dataflow graph #quot;test#quot;")
        .contains("s0[\"in<br/><i>input</i><br/>IterableSource, fixed partitions, each read by one worker\"]")
        .contains("s5{{\"spread<br/><i>redistribute</i>\"}}")
        .contains("s7{{\"count<br/><i>stateful_batch</i>\"}}")
        .contains("s2 -->|\"true\"| s3")
        .contains("s2 -->|\"false\"| s4")
        .contains("s4 ==>|\"exchange redistribute: round-robin over all workers\"| s5")
        .contains("s6 ==>|\"exchange by key: Routing.workerFor(key, workers)\"| s7")
        .contains("s7 --> s8");
    assertThat(m.lines().filter(l -> l.contains("-->") || l.contains("==>"))).hasSize(9);
  }

  @Test
  void dotIsADigraphWithEscapedLabels() {
    String d = branchMergeKeyed().graph().toDot();
    assertThat(d).startsWith("digraph \"graph \\\"test\\\"\" {\n").endsWith("}\n")
        .contains("s7 [label=\"count\\nstateful_batch\", shape=hexagon];")
        .contains("s6 -> s7 [label=\"exchange by key: Routing.workerFor(key, workers)\", style=bold, color=red];")
        .contains("s2 -> s4 [label=\"false\"];");
  }

  @Test
  void jsonListsStepsAndEdges() {
    String j = branchMergeKeyed().graph().toJson();
    assertThat(j).contains("\"flow\": \"graph \\\"test\\\"\"")
        .contains("{\"id\": \"count\", \"kind\": \"stateful_batch\", \"detail\": \"\", \"exchange\": \"by_key\"}")
        .contains("{\"from\": \"even?\", \"port\": 1, \"to\": \"merge\", \"input\": 1, \"label\": \"false\","
            + " \"exchange\": \"none\"}");
    assertThat(j.chars().filter(c -> c == '{').count()).isEqualTo(1 + 9 + 9);
  }

  @Test
  void renderNamesTheFormats() {
    Dataflow flow = branchMergeKeyed();
    assertThat(flow.graph().render("DOT")).isEqualTo(flow.graph().toDot());
    assertThatThrownBy(() -> flow.graph().render("svg")).hasMessageContaining("use mermaid, dot or json");
  }
}
