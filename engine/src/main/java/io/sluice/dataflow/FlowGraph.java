package io.sluice.dataflow;

import io.sluice.inputs.DynamicSource;
import io.sluice.inputs.FixedPartitionedSource;
import io.sluice.outputs.FixedPartitionedSink;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * The graph of a {@link Dataflow} plan, for people: its kernel steps (nodes), the streams between
 * them (edges), and where items are exchanged between workers and why. Like Bytewax's
 * {@code bytewax.visualize}, it renders as Mermaid ({@link #toMermaid()}), Graphviz DOT
 * ({@link #toDot()}) and JSON ({@link #toJson()}). Composed operators ({@code map},
 * {@code countFinal}, ...) appear as the kernel steps they add; {@code countFinal("count")}, for
 * instance, is a {@code flat_map_batch} step {@code count.pre} and a {@code stateful_batch} step
 * {@code count}. The graph is a snapshot of the plan when {@link Dataflow#graph()} was called.
 *
 * <p>Every worker runs the whole graph; an edge marked as an exchange is where an item may move to
 * another worker (or process). All other edges hand items on within the worker.
 */
public final class FlowGraph {
  /**
   * One kernel step.
   *
   * @param id        the step id
   * @param kind      the kernel kind: {@code input}, {@code flat_map_batch}, {@code branch},
   *                  {@code merge}, {@code inspect}, {@code redistribute}, {@code stateful_batch},
   *                  {@code output}
   * @param detail    the source or sink class and how it is partitioned, else empty
   * @param exchange  why items are exchanged into this step ({@link Exchange#NONE} if they are not)
   */
  public record Node(String id, String kind, String detail, Exchange exchange) {}

  /**
   * A stream from output {@code port} of step {@code from} into input {@code input} of step {@code to}.
   *
   * @param label    what the port means ({@code true}/{@code false} for a branch), else empty
   * @param exchange whether, and by which rule, items on this edge move between workers
   */
  public record Edge(String from, int port, String to, int input, String label, Exchange exchange) {}

  /** Why items cross between workers at a step. */
  public enum Exchange {
    /** No exchange: items stay on the worker that produced them. */
    NONE("none", ""),
    /** {@code redistribute}: each sending worker deals its items round-robin over all workers. */
    ROUND_ROBIN("round_robin", "redistribute: round-robin over all workers"),
    /** Keyed stateful steps: each key goes to {@code Routing.workerFor(key, workerCount)}. */
    BY_KEY("by_key", "by key: Routing.workerFor(key, workers)"),
    /** A fixed-partitioned sink: each item goes to the worker that owns its sink partition. */
    BY_PARTITION("by_partition", "by sink partition: to the worker owning it");

    private final String code;
    private final String description;

    Exchange(String code, String description) {
      this.code = code;
      this.description = description;
    }

    /** The short name used in JSON ({@code none}, {@code round_robin}, {@code by_key}, {@code by_partition}). */
    public String code() {
      return code;
    }

    /** One line for people. */
    public String description() {
      return description;
    }
  }

  private final String flowName;
  private final List<Node> nodes;
  private final List<Edge> edges;

  private FlowGraph(String flowName, List<Node> nodes, List<Edge> edges) {
    this.flowName = flowName;
    this.nodes = Collections.unmodifiableList(nodes);
    this.edges = Collections.unmodifiableList(edges);
  }

  /** The graph of {@code flow}'s steps as they are now. */
  static FlowGraph of(Dataflow flow) {
    List<Node> nodes = new ArrayList<>();
    List<Edge> edges = new ArrayList<>();
    for (Step step : flow.steps()) {
      Exchange exchange = exchangeOf(step);
      nodes.add(new Node(step.id(), kindOf(step), detailOf(step), exchange));
      List<Stream<?>> ins = step.inputs();
      for (int i = 0; i < ins.size(); i++) {
        Stream<?> up = ins.get(i);
        String label = up.step() instanceof Step.Branch ? (up.port() == 0 ? "true" : "false") : "";
        edges.add(new Edge(up.step().id(), up.port(), step.id(), i, label, exchange));
      }
    }
    return new FlowGraph(flow.name(), nodes, edges);
  }

  /** The dataflow's name. */
  public String flowName() {
    return flowName;
  }

  /** The steps, in the order they were added (a topological order). */
  public List<Node> nodes() {
    return nodes;
  }

  /** The streams between steps, grouped by the step that reads them, in step order. */
  public List<Edge> edges() {
    return edges;
  }

  private static String kindOf(Step step) {
    if (step instanceof Step.Input) {
      return "input";
    } else if (step instanceof Step.FlatMapBatch) {
      return "flat_map_batch";
    } else if (step instanceof Step.Branch) {
      return "branch";
    } else if (step instanceof Step.Merge) {
      return "merge";
    } else if (step instanceof Step.Inspect) {
      return "inspect";
    } else if (step instanceof Step.Redistribute) {
      return "redistribute";
    } else if (step instanceof Step.StatefulBatch) {
      return "stateful_batch";
    } else {
      return "output";
    }
  }

  private static Exchange exchangeOf(Step step) {
    if (step instanceof Step.Redistribute) {
      return Exchange.ROUND_ROBIN;
    } else if (step instanceof Step.StatefulBatch) {
      return Exchange.BY_KEY;
    } else if (step instanceof Step.Output out && out.sink() instanceof FixedPartitionedSink<?, ?>) {
      return Exchange.BY_PARTITION;
    }
    return Exchange.NONE;
  }

  private static String detailOf(Step step) {
    if (step instanceof Step.Input in) {
      String how = in.source() instanceof FixedPartitionedSource<?, ?> ? "fixed partitions, each read by one worker"
          : in.source() instanceof DynamicSource<?> ? "one partition per worker" : "";
      return simpleName(in.source()) + (how.isEmpty() ? "" : ", " + how);
    } else if (step instanceof Step.Output out) {
      String how = out.sink() instanceof FixedPartitionedSink<?, ?> ? "fixed partitions" : "one partition per worker";
      return simpleName(out.sink()) + ", " + how;
    }
    return "";
  }

  private static String simpleName(Object o) {
    String n = o.getClass().getSimpleName();
    return n.isEmpty() ? o.getClass().getName() : n;
  }

  // ------------------------------------------------------------------ renderings

  /**
   * A Mermaid {@code flowchart}: one box per step (id, kind, detail), exchanging steps as
   * hexagons, exchange edges thick ({@code ==>}) and labelled with their rule.
   */
  public String toMermaid() {
    StringBuilder sb = new StringBuilder("flowchart TD\n");
    sb.append("  %% dataflow ").append(mermaidText(flowName)).append('\n');
    for (int i = 0; i < nodes.size(); i++) {
      Node n = nodes.get(i);
      String label = mermaidText(n.id()) + "<br/><i>" + n.kind() + "</i>"
          + (n.detail().isEmpty() ? "" : "<br/>" + mermaidText(n.detail()));
      boolean exchanging = n.exchange() != Exchange.NONE;
      sb.append("  s").append(i).append(exchanging ? "{{\"" : "[\"").append(label).append(exchanging ? "\"}}" : "\"]")
          .append('\n');
    }
    for (Edge e : edges) {
      String from = "s" + indexOf(e.from());
      String to = "s" + indexOf(e.to());
      String text = e.exchange() != Exchange.NONE ? "exchange " + e.exchange().description() : e.label();
      if (e.exchange() != Exchange.NONE) {
        sb.append("  ").append(from).append(" ==>|\"").append(mermaidText(text)).append("\"| ").append(to);
      } else if (!text.isEmpty()) {
        sb.append("  ").append(from).append(" -->|\"").append(mermaidText(text)).append("\"| ").append(to);
      } else {
        sb.append("  ").append(from).append(" --> ").append(to);
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  /** A Graphviz {@code digraph}: boxes for steps, hexagons for exchanging steps, bold red exchange edges. */
  public String toDot() {
    StringBuilder sb = new StringBuilder("digraph ").append(dotString(flowName)).append(" {\n");
    sb.append("  rankdir=TB;\n  node [shape=box, fontname=\"Helvetica\"];\n");
    for (int i = 0; i < nodes.size(); i++) {
      Node n = nodes.get(i);
      String label = n.id() + "\n" + n.kind() + (n.detail().isEmpty() ? "" : "\n" + n.detail());
      sb.append("  s").append(i).append(" [label=").append(dotString(label));
      if (n.exchange() != Exchange.NONE) {
        sb.append(", shape=hexagon");
      }
      sb.append("];\n");
    }
    for (Edge e : edges) {
      sb.append("  s").append(indexOf(e.from())).append(" -> s").append(indexOf(e.to()));
      if (e.exchange() != Exchange.NONE) {
        sb.append(" [label=").append(dotString("exchange " + e.exchange().description()))
            .append(", style=bold, color=red]");
      } else if (!e.label().isEmpty()) {
        sb.append(" [label=").append(dotString(e.label())).append(']');
      }
      sb.append(";\n");
    }
    return sb.append("}\n").toString();
  }

  /**
   * JSON: {@code {"flow": name, "steps": [{"id", "kind", "detail", "exchange"}], "edges": [{"from",
   * "port", "to", "input", "label", "exchange"}]}}, where {@code exchange} is one of {@code none},
   * {@code round_robin}, {@code by_key}, {@code by_partition}.
   */
  public String toJson() {
    StringBuilder sb = new StringBuilder("{\n  \"flow\": ").append(jsonString(flowName)).append(",\n  \"steps\": [");
    for (int i = 0; i < nodes.size(); i++) {
      Node n = nodes.get(i);
      sb.append(i == 0 ? "\n" : ",\n").append("    {\"id\": ").append(jsonString(n.id()))
          .append(", \"kind\": ").append(jsonString(n.kind()))
          .append(", \"detail\": ").append(jsonString(n.detail()))
          .append(", \"exchange\": ").append(jsonString(n.exchange().code())).append('}');
    }
    sb.append(nodes.isEmpty() ? "],\n" : "\n  ],\n").append("  \"edges\": [");
    for (int i = 0; i < edges.size(); i++) {
      Edge e = edges.get(i);
      sb.append(i == 0 ? "\n" : ",\n").append("    {\"from\": ").append(jsonString(e.from()))
          .append(", \"port\": ").append(e.port())
          .append(", \"to\": ").append(jsonString(e.to()))
          .append(", \"input\": ").append(e.input())
          .append(", \"label\": ").append(jsonString(e.label()))
          .append(", \"exchange\": ").append(jsonString(e.exchange().code())).append('}');
    }
    return sb.append(edges.isEmpty() ? "]\n}\n" : "\n  ]\n}\n").toString();
  }

  /** The rendering named {@code format}: {@code mermaid}, {@code dot} or {@code json} (any case). */
  public String render(String format) {
    return switch (format.toLowerCase(Locale.ROOT)) {
      case "mermaid" -> toMermaid();
      case "dot" -> toDot();
      case "json" -> toJson();
      default -> throw new IllegalArgumentException("unknown graph format '" + format + "': use mermaid, dot or json");
    };
  }

  private int indexOf(String id) {
    for (int i = 0; i < nodes.size(); i++) {
      if (nodes.get(i).id().equals(id)) {
        return i;
      }
    }
    throw new IllegalStateException("no step '" + id + "'");
  }

  /** Text inside a quoted Mermaid label: quotes and markup characters as entity codes. */
  private static String mermaidText(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> sb.append("#quot;");
        case '<' -> sb.append("#lt;");
        case '>' -> sb.append("#gt;");
        case '#' -> sb.append("#35;");
        case '|' -> sb.append("#124;");
        case '\n', '\r' -> sb.append(' ');
        default -> sb.append(c);
      }
    }
    return sb.toString();
  }

  private static String dotString(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> { }
        default -> sb.append(c);
      }
    }
    return sb.append('"').toString();
  }

  /** A JSON string literal (RFC 8259 escapes). */
  static String jsonString(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }

  @Override
  public String toString() {
    return toMermaid();
  }
}
