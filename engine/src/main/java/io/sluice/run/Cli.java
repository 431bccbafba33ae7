package io.sluice.run;

import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.FlowValidationException;
import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The {@code sluice} command line, like {@code python -m bytewax.run}:
 * {@code sluice run <FlowClass>[:method] -w N [-- args...]}. The flow is built by a public static
 * method ({@code flow} unless named) taking {@code String[]}, {@code List<String>} or nothing and
 * returning a {@link Dataflow}. Flow output goes to stdout, logs to stderr. Exit codes: 0 done,
 * 1 the flow failed, 2 a usage error (with usage printed).
 */
@Command(name = "sluice", mixinStandardHelpOptions = true, version = "sluice 0.1.0",
    description = "Runs Sluice dataflows.", subcommands = {Cli.Run.class})
public final class Cli implements Callable<Integer> {
  static final int EXIT_FAILED = 1;
  static final int EXIT_USAGE = 2;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs the command line and returns its exit code; for tests and embedding. */
  public static int execute(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cl = new CommandLine(new Cli());
    cl.setOut(out);
    cl.setErr(err);
    return cl.execute(args);
  }

  @Override
  public Integer call() {
    spec.commandLine().getErr().println("sluice: missing command");
    spec.commandLine().usage(spec.commandLine().getErr());
    return EXIT_USAGE;
  }

  /** {@code sluice run}: builds the flow and runs it to completion. */
  @Command(name = "run", mixinStandardHelpOptions = true,
      description = "Runs a dataflow built by a static method of FLOW (class[:method], method defaults to 'flow').",
      footer = {"", "Examples:", "  sluice run io.sluice.examples.WordCount -w 4",
          "  sluice run io.sluice.examples.WordCount -w 4 -- path/to/text.txt",
          "  sluice run io.sluice.examples.WordCount -w 2 -i 0 -a \"localhost:2101;localhost:2102\"  (and -i 1 elsewhere)"})
  static final class Run implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FLOW", description = "class[:method] that builds the Dataflow")
    String flowRef;

    @Parameters(index = "1..*", paramLabel = "ARGS", description = "arguments for the flow's method (after --)")
    List<String> flowArgs = new ArrayList<>();

    @Option(names = {"-w", "--workers-per-process"}, paramLabel = "N",
        defaultValue = "${env:SLUICE_WORKERS_PER_PROCESS:-1}",
        description = "worker threads per process (env SLUICE_WORKERS_PER_PROCESS; default: 1)")
    int workers;

    @Option(names = {"-i", "--process-id"}, paramLabel = "I", defaultValue = "${env:SLUICE_PROCESS_ID}",
        description = "this process's index in the cluster, 0-based (env SLUICE_PROCESS_ID; needs -a)")
    Integer processId;

    @Option(names = {"-a", "--addresses"}, paramLabel = "HOST:PORT;...", defaultValue = "${env:SLUICE_ADDRESSES}",
        description = "every process's address, in process-id order, separated by ';' (env SLUICE_ADDRESSES)")
    String addresses;

    @Option(names = "--stats", description = "print items in/out per step and worker to stderr when done")
    boolean stats;

    @Option(names = "--idle", paramLabel = "PROFILE", defaultValue = "${env:SLUICE_IDLE:-throughput}",
        description = "how idle threads wait: latency or throughput (env SLUICE_IDLE; default: throughput)")
    String idle;

    @Override
    public Integer call() {
      CommandLine cl = spec.commandLine();
      PrintWriter err = cl.getErr();
      if (workers < 1) {
        return usage("-w must be at least 1, got " + workers);
      }
      RunConfig config = RunConfig.workers(workers);
      try {
        config = config.withIdle(IdleProfile.named(idle));
      } catch (IllegalArgumentException e) {
        return usage(e.getMessage());
      }
      if (processId != null || addresses != null) {
        if (addresses == null) {
          return usage("-i needs -a: the address of every process, e.g. -a \"host1:2101;host2:2101\"");
        }
        List<String> list = List.of(addresses.split(";", -1));
        int id = processId == null ? 0 : processId;
        if (processId == null && list.size() > 1) {
          return usage("-a lists " + list.size() + " processes: say which one this is with -i 0.." + (list.size() - 1));
        }
        if (id < 0 || id >= list.size()) {
          return usage("-i " + id + " is out of range: -a lists " + list.size() + " processes, so -i must be 0.."
              + (list.size() - 1));
        }
        try {
          config = config.withCluster(id, list);
        } catch (IllegalArgumentException e) {
          return usage(e.getMessage());
        }
      }
      Dataflow flow;
      try {
        flow = FlowLoader.load(flowRef, flowArgs);
      } catch (IllegalArgumentException e) {
        return usage(e.getMessage());
      } catch (FlowLoader.FlowBuildException e) {
        err.println("sluice: building the flow failed: " + e.getCause());
        e.getCause().printStackTrace(err);
        return EXIT_FAILED;
      }
      RunResult result;
      try {
        flow.validate();
        result = Sluice.run(flow, config);
      } catch (FlowValidationException e) {
        err.println("sluice: invalid dataflow: " + e.getMessage());
        return EXIT_FAILED;
      } catch (StepFailedException e) {
        err.println("sluice: " + e.getMessage());
        e.getCause().printStackTrace(err);
        return EXIT_FAILED;
      } catch (RuntimeException e) {
        err.println("sluice: the run failed: " + e.getMessage());
        return EXIT_FAILED;
      }
      if (stats) {
        printStats(result, err);
      }
      return 0;
    }

    private int usage(String message) {
      CommandLine cl = spec.commandLine();
      cl.getErr().println("sluice run: " + message);
      cl.usage(cl.getErr());
      return EXIT_USAGE;
    }

    private static void printStats(RunResult r, PrintWriter err) {
      err.printf("%-24s %-6s %12s %12s%n", "step", "worker", "items in", "items out");
      for (StepStats s : r.steps().values()) {
        for (int w = 0; w < s.workerCount(); w++) {
          err.printf("%-24s %-6d %12d %12d%n", s.stepId(), w, s.itemsIn(w), s.itemsOut(w));
        }
      }
      err.printf("finished in %d ms on %d workers%n", r.duration().toMillis(), r.workerCount());
    }
  }

  /** Finds and calls the static method that builds the flow. */
  static final class FlowLoader {
    private FlowLoader() {}

    static final class FlowBuildException extends Exception {
      FlowBuildException(Throwable cause) {
        super(cause);
      }
    }

    static Dataflow load(String ref, List<String> args) throws FlowBuildException {
      int colon = ref.indexOf(':');
      String className = colon < 0 ? ref : ref.substring(0, colon);
      String methodName = colon < 0 ? "flow" : ref.substring(colon + 1);
      Class<?> cls;
      try {
        cls = Class.forName(className, true, Thread.currentThread().getContextClassLoader());
      } catch (ClassNotFoundException | LinkageError e) {
        throw new IllegalArgumentException("flow class '" + className + "' not found on the classpath"
            + " (add your jar with SLUICE_CLASSPATH=path/to.jar)");
      }
      for (Method m : cls.getMethods()) {
        if (!m.getName().equals(methodName) || !Modifier.isStatic(m.getModifiers())
            || !Dataflow.class.isAssignableFrom(m.getReturnType())) {
          continue;
        }
        Class<?>[] p = m.getParameterTypes();
        Object[] callArgs;
        if (p.length == 0) {
          if (!args.isEmpty()) {
            continue;
          }
          callArgs = new Object[0];
        } else if (p.length == 1 && p[0] == String[].class) {
          callArgs = new Object[] {args.toArray(new String[0])};
        } else if (p.length == 1 && p[0] == List.class) {
          callArgs = new Object[] {List.copyOf(args)};
        } else {
          continue;
        }
        try {
          return (Dataflow) m.invoke(null, callArgs);
        } catch (InvocationTargetException e) {
          throw new FlowBuildException(e.getCause());
        } catch (IllegalAccessException e) {
          throw new IllegalArgumentException("cannot call " + className + "." + methodName + ": " + e.getMessage());
        }
      }
      throw new IllegalArgumentException("no public static Dataflow " + methodName + "(String[] | List<String>"
          + (args.isEmpty() ? " | no arguments" : "") + ") in " + className);
    }
  }
}
