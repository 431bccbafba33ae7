package io.sluice.run;

import io.sluice.dataflow.Dataflow;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code sluice visualize <FlowClass>[:method] [--format mermaid|dot|json] [-- args...]}: builds
 * the flow the way {@code sluice run} does, runs nothing, and prints its
 * {@link io.sluice.dataflow.FlowGraph} to stdout (like Bytewax's {@code python -m bytewax.visualize}).
 */
@Command(name = "visualize", mixinStandardHelpOptions = true,
    description = "Prints the graph of the dataflow built by FLOW (class[:method]): steps, kinds, streams and "
        + "where items are exchanged between workers. Runs nothing.",
    footer = {"", "Examples:", "  sluice visualize io.sluice.examples.WordCount",
        "  sluice visualize io.sluice.examples.WordCount --format dot | dot -Tsvg > wordcount.svg"})
final class VisualizeCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FLOW", description = "class[:method] that builds the Dataflow")
  String flowRef;

  @Parameters(index = "1..*", paramLabel = "ARGS", description = "arguments for the flow's method (after --)")
  List<String> flowArgs = new ArrayList<>();

  @Option(names = {"-f", "--format"}, paramLabel = "FORMAT", defaultValue = "mermaid",
      description = "mermaid (default), dot or json")
  String format;

  @Override
  public Integer call() {
    CommandLine cl = spec.commandLine();
    PrintWriter err = cl.getErr();
    if (!List.of("mermaid", "dot", "json").contains(format)) {
      err.println("sluice visualize: unknown --format '" + format + "': use mermaid, dot or json");
      cl.usage(err);
      return Cli.EXIT_USAGE;
    }
    Dataflow flow;
    try {
      flow = Cli.FlowLoader.load(flowRef, flowArgs);
    } catch (IllegalArgumentException e) {
      err.println("sluice visualize: " + e.getMessage());
      cl.usage(err);
      return Cli.EXIT_USAGE;
    } catch (Cli.FlowLoader.FlowBuildException e) {
      err.println("sluice: building the flow failed: " + e.getCause());
      e.getCause().printStackTrace(err);
      return Cli.EXIT_FAILED;
    }
    cl.getOut().print(flow.graph().render(format));
    cl.getOut().flush();
    return 0;
  }
}
