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
    description = "Runs Sluice dataflows.", subcommands = {Cli.Run.class, Cli.RecoveryCommand.class, VisualizeCommand.class})
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

    @Option(names = "--stats-interval", paramLabel = "DURATION",
        description = "print items in/out per step and worker to stderr every DURATION while the flow runs (500ms, 10s, 5m)")
    String statsInterval;

    @Option(names = "--metrics-port", paramLabel = "[HOST:]PORT", defaultValue = "${env:SLUICE_METRICS_PORT}",
        description = "serve /metrics (Prometheus) and /health on PORT (every interface unless HOST is given);"
            + " needs sluice-metrics (env SLUICE_METRICS_PORT)")
    String metricsPort;

    /** Where the pod ordinal comes from when -a lists several processes and no -i is given; tests set it. */
    @Option(names = "--hostname", hidden = true, description = "host name to take the process id from")
    String hostname;

    @Option(names = {"-r", "--recovery-directory"}, paramLabel = "DIR",
        description = "snapshot state to the recovery store in DIR (made by 'sluice recovery init DIR N') and resume"
            + " from it")
    java.nio.file.Path recoveryDir;

    @Option(names = {"-s", "--snapshot-interval"}, paramLabel = "DURATION",
        description = "how often to close an epoch and snapshot (with -r), e.g. 10s, 500ms, 1m (default: 10s)")
    String snapshotInterval;

    @Option(names = {"-b", "--backup-interval"}, paramLabel = "DURATION",
        description = "how long to keep older snapshots behind the newest complete one (with -r; default: 0)")
    String backupInterval;

    @Override
    public Integer call() {
      CommandLine cl = spec.commandLine();
      PrintWriter err = cl.getErr();
      if (workers < 1) {
        return usage("-w must be at least 1, got " + workers);
      }
      RunConfig config = RunConfig.workers(workers);
      java.time.Duration interval = null;
      if (statsInterval != null) {
        try {
          interval = Monitoring.parseDuration("--stats-interval", statsInterval);
        } catch (IllegalArgumentException e) {
          return usage(e.getMessage());
        }
      }
      if ((snapshotInterval != null || backupInterval != null) && recoveryDir == null) {
        return usage("-s and -b set how recovery snapshots: they need -r DIR");
      }
      try {
        if (snapshotInterval != null) {
          config = config.withEpochInterval(Durations.parse("-s", snapshotInterval));
        }
        if (recoveryDir != null) {
          java.time.Duration backup = backupInterval == null ? java.time.Duration.ZERO
              : Durations.parse("-b", backupInterval);
          config = config.withRecovery(new RecoveryConfig(recoveryDir, backup));
        }
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
          // a Kubernetes StatefulSet pod: the id is the ordinal its hostname ends in (sluice-2 is process 2)
          String host = hostname != null ? hostname : Monitoring.localHostname();
          java.util.OptionalInt ordinal = Monitoring.ordinalOf(host);
          if (ordinal.isEmpty()) {
            return usage("-a lists " + list.size() + " processes: say which one this is with -i 0.." + (list.size() - 1)
                + " (or run on a host named <name>-<ordinal>, as a Kubernetes StatefulSet's pods are)");
          }
          id = ordinal.getAsInt();
          if (id >= list.size()) {
            return usage("hostname '" + host + "' gives process id " + id + ", but -a lists " + list.size()
                + " processes (0.." + (list.size() - 1) + "): give every process the whole address list");
          }
          err.println("sluice: process id " + id + " (from hostname " + host + ")");
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
      RunObserver observer = null;
      try {
        flow.validate();
        if (metricsPort != null) {
          try {
            observer = Monitoring.metricsServer(metricsPort);
          } catch (IllegalArgumentException e) {
            return usage(e.getMessage());
          }
          config = config.withObserver(observer);
        }
        result = Monitoring.run(flow, config, interval, err);
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
      } finally {
        if (observer != null) {
          observer.close();
        }
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

  /** {@code sluice recovery init DIR N} and {@code sluice recovery inspect DIR}, as Bytewax's {@code bytewax.recovery}. */
  @Command(name = "recovery", mixinStandardHelpOptions = true, description = "Creates or inspects recovery stores.",
      subcommands = {RecoveryCommand.Init.class, RecoveryCommand.Inspect.class})
  static final class RecoveryCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      spec.commandLine().getErr().println("sluice recovery: missing command (init or inspect)");
      spec.commandLine().usage(spec.commandLine().getErr());
      return EXIT_USAGE;
    }

    @Command(name = "init", mixinStandardHelpOptions = true,
        description = "Creates N empty recovery partitions (part-0.sqlite3 ...) in DIR.")
    static final class Init implements Callable<Integer> {
      @CommandLine.Spec
      CommandLine.Model.CommandSpec spec;

      @Parameters(index = "0", paramLabel = "DIR")
      java.nio.file.Path dir;

      @Parameters(index = "1", paramLabel = "N", description = "number of recovery partitions (at least 1)")
      int partitions;

      @Override
      public Integer call() {
        try {
          io.sluice.recovery.RecoveryStore.init(dir, partitions);
        } catch (IllegalArgumentException e) {
          spec.commandLine().getErr().println("sluice recovery init: " + e.getMessage());
          spec.commandLine().usage(spec.commandLine().getErr());
          return EXIT_USAGE;
        } catch (IllegalStateException e) {
          spec.commandLine().getErr().println("sluice recovery init: " + e.getMessage());
          return EXIT_FAILED;
        }
        spec.commandLine().getOut().println("created " + partitions + " recovery partitions in " + dir);
        return 0;
      }
    }

    @Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Prints the complete epochs of the store in DIR and, per step, its number of keys.")
    static final class Inspect implements Callable<Integer> {
      @CommandLine.Spec
      CommandLine.Model.CommandSpec spec;

      @Parameters(index = "0", paramLabel = "DIR")
      java.nio.file.Path dir;

      @Override
      public Integer call() {
        try {
          spec.commandLine().getOut().print(io.sluice.recovery.RecoveryStore.inspect(dir).describe());
          spec.commandLine().getOut().flush();
          return 0;
        } catch (IllegalArgumentException e) {
          spec.commandLine().getErr().println("sluice recovery inspect: " + e.getMessage());
          return EXIT_FAILED;
        }
      }
    }
  }

  /** Durations as people write them on a command line. */
  static final class Durations {
    private Durations() {}

    /** {@code 10s}, {@code 500ms}, {@code 2m}, {@code 1h}, a plain number of seconds, or ISO-8601 ({@code PT10S}). */
    static java.time.Duration parse(String option, String text) {
      String t = text.trim().toLowerCase(java.util.Locale.ROOT);
      try {
        java.time.Duration d;
        if (t.startsWith("pt")) {
          d = java.time.Duration.parse(t.toUpperCase(java.util.Locale.ROOT));
        } else if (t.endsWith("ms")) {
          d = java.time.Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
        } else if (t.endsWith("s")) {
          d = java.time.Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 1000));
        } else if (t.endsWith("m")) {
          d = java.time.Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)) * 60);
        } else if (t.endsWith("h")) {
          d = java.time.Duration.ofHours(Long.parseLong(t.substring(0, t.length() - 1)));
        } else {
          d = java.time.Duration.ofMillis(Math.round(Double.parseDouble(t) * 1000));
        }
        if (d.isNegative()) {
          throw new IllegalArgumentException(option + " cannot be negative, got '" + text + "'");
        }
        return d;
      } catch (NumberFormatException | java.time.format.DateTimeParseException e) {
        throw new IllegalArgumentException(option + ": '" + text + "' is not a duration (e.g. 10s, 500ms, 2m, 1h)");
      }
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
