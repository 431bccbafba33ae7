package io.sluice.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.connectors.IterableSource;
import io.sluice.connectors.StdOutSink;
import io.sluice.dataflow.Dataflow;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class CliTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return Cli.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
  }

  static final java.util.concurrent.atomic.AtomicBoolean RELEASE = new java.util.concurrent.atomic.AtomicBoolean();

  /** Flows for the CLI to find. */
  public static final class Flows {
    public static Dataflow flow(String[] args) {
      Dataflow flow = new Dataflow("cli-test");
      flow.input("in", IterableSource.of(List.of(args))).map("upper", String::toUpperCase)
          .output("out", new StdOutSink<>());
      return flow;
    }

    public static Dataflow failing() {
      Dataflow flow = new Dataflow("cli-failing");
      flow.input("in", IterableSource.of(List.of("a", "b"))).map("explode", s -> {
        if (s.equals("b")) {
          throw new IllegalArgumentException("no b please");
        }
        return s;
      }).output("out", new StdOutSink<>());
      return flow;
    }

    /** Released by {@link #RELEASE}: numbers 0..9 on each worker, then nothing until released. */
    public static Dataflow gated() {
      Dataflow flow = new Dataflow("cli-gated");
      flow.input("in", (io.sluice.inputs.DynamicSource<Integer>) (step, worker, count) -> new io.sluice.inputs.StatelessSourcePartition<>() {
        boolean sent;

        @Override
        public List<Integer> nextBatch() {
          if (!sent) {
            sent = true;
            return List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
          }
          return RELEASE.get() ? null : List.of();
        }
      }).map("inc", i -> i + 1).output("out", new io.sluice.connectors.ListSink<>());
      return flow;
    }

    public static Dataflow noOutput() {
      Dataflow flow = new Dataflow("cli-no-output");
      flow.input("in", IterableSource.of(List.of(1)));
      return flow;
    }
  }

  @Test
  void runsAFlowWithItsArguments() {
    assertThat(run("run", Flows.class.getName(), "-w", "2", "--stats", "--", "x", "y")).isZero();
    assertThat(err.toString()).contains("upper").contains("finished in");
  }

  @Test
  void aFailingFlowExitsOneNamingStepWorkerAndItem() {
    assertThat(run("run", Flows.class.getName() + ":failing", "-w", "2")).isEqualTo(1);
    assertThat(err.toString()).contains("step 'explode' failed on worker 0 processing item b")
        .contains("no b please");
  }

  @Test
  void anInvalidFlowExitsOneNamingTheProblem() {
    assertThat(run("run", Flows.class.getName() + ":noOutput")).isEqualTo(1);
    assertThat(err.toString()).contains("has no output step");
  }

  @Test
  void mistakesPrintUsageAndExitTwo() {
    assertThat(run("run", "com.example.Missing")).isEqualTo(2);
    assertThat(err.toString()).contains("flow class 'com.example.Missing' not found").contains("Usage: sluice run");

    assertThat(run("run", Flows.class.getName() + ":nope")).isEqualTo(2);
    assertThat(err.toString()).contains("no public static Dataflow nope(");

    assertThat(run("run", Flows.class.getName(), "-w", "0")).isEqualTo(2);
    assertThat(err.toString()).contains("-w must be at least 1");

    assertThat(run("run", Flows.class.getName(), "-w", "two")).isEqualTo(2);
    assertThat(run()).isEqualTo(2);
    assertThat(err.toString()).contains("missing command");
  }

  @Test
  void clusterFlagsAreCheckedBeforeAnythingStarts() {
    assertThat(run("run", Flows.class.getName(), "-i", "2", "-a", "h:1;h:2")).isEqualTo(2);
    assertThat(err.toString()).contains("-i 2 is out of range");

    assertThat(run("run", Flows.class.getName(), "-i", "0", "-a", "h:1;nohost")).isEqualTo(2);
    assertThat(err.toString()).contains("malformed address 'nohost'");

    assertThat(run("run", Flows.class.getName(), "-i", "0")).isEqualTo(2);
    assertThat(err.toString()).contains("-i needs -a");

    assertThat(run("run", Flows.class.getName(), "-a", "h:1;h:2")).isEqualTo(2);
    assertThat(err.toString()).contains("say which one this is with -i");
  }

  @Test
  void aClusterWithoutATransportOnTheClasspathSaysWhatIsMissing() {
    assertThat(run("run", Flows.class.getName(), "-i", "0", "-a", "localhost:1;localhost:2")).isEqualTo(1);
    assertThat(err.toString()).contains("needs a transport").contains("sluice-aeron-transport");
  }

  @Test
  void visualizePrintsTheFlowGraphInEachFormat() {
    assertThat(run("visualize", Flows.class.getName(), "--", "x")).isZero();
    assertThat(out.toString()).startsWith("flowchart TD").contains("upper<br/><i>flat_map_batch</i>");
    out.getBuffer().setLength(0);
    assertThat(run("visualize", Flows.class.getName(), "--format", "dot", "--", "x")).isZero();
    assertThat(out.toString()).startsWith("digraph \"cli-test\"");
    out.getBuffer().setLength(0);
    assertThat(run("visualize", Flows.class.getName() + ":failing", "-f", "json")).isZero();
    assertThat(out.toString()).contains("\"id\": \"explode\"");
  }

  @Test
  void visualizeUsageErrorsExitTwo() {
    assertThat(run("visualize", Flows.class.getName(), "--format", "svg")).isEqualTo(2);
    assertThat(err.toString()).contains("unknown --format 'svg'").contains("Usage:");
    assertThat(run("visualize", "no.such.Flow")).isEqualTo(2);
  }

  @Test
  void statsIntervalPrintsTheTableWhileTheFlowRuns() throws Exception {
    RELEASE.set(false);
    java.util.concurrent.CompletableFuture<Integer> exit = java.util.concurrent.CompletableFuture.supplyAsync(
        () -> run("run", Flows.class.getName() + ":gated", "-w", "2", "--stats-interval", "20ms"));
    try {
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
          .until(() -> err.toString().split("-- cli-gated after ", -1).length > 2);
    } finally {
      RELEASE.set(true);
    }
    assertThat(exit.get(30, java.util.concurrent.TimeUnit.SECONDS)).isZero();
    assertThat(err.toString()).contains(": running, epoch 1").containsPattern("inc +1 +10 +10");
  }

  @Test
  void statsIntervalMustBeAPositiveDuration() {
    assertThat(run("run", Flows.class.getName(), "--stats-interval", "soon")).isEqualTo(2);
    assertThat(err.toString()).contains("--stats-interval: 'soon' is not a duration").contains("Usage:");
    assertThat(run("run", Flows.class.getName(), "--stats-interval", "0s")).isEqualTo(2);
    assertThat(Monitoring.parseDuration("x", "500ms")).isEqualTo(java.time.Duration.ofMillis(500));
    assertThat(Monitoring.parseDuration("x", "PT2M")).isEqualTo(java.time.Duration.ofMinutes(2));
  }

  @Test
  void theProcessIdComesFromAStatefulSetHostnameWhenNoneIsGiven() {
    assertThat(Monitoring.ordinalOf("sluice-2")).hasValue(2);
    assertThat(Monitoring.ordinalOf("sluice-2.sluice.default.svc.cluster.local")).hasValue(2);
    assertThat(Monitoring.ordinalOf("word-count-10")).hasValue(10);
    assertThat(Monitoring.ordinalOf("vm")).isEmpty();
    assertThat(Monitoring.ordinalOf("sluice-")).isEmpty();
    assertThat(Monitoring.ordinalOf("-3")).isEmpty();
    assertThat(Monitoring.ordinalOf("host.example-3")).isEmpty();
    assertThat(Monitoring.ordinalOf("")).isEmpty();

    // in range: taken and said (the run then fails here: the engine's tests have no transport)
    assertThat(run("run", Flows.class.getName(), "-a", "localhost:1;localhost:2", "--hostname", "sluice-1")).isEqualTo(1);
    assertThat(err.toString()).contains("process id 1 (from hostname sluice-1)").contains("needs a transport");
    // out of range, or no ordinal: usage errors
    assertThat(run("run", Flows.class.getName(), "-a", "h:1;h:2", "--hostname", "sluice-5")).isEqualTo(2);
    assertThat(err.toString()).contains("hostname 'sluice-5' gives process id 5, but -a lists 2 processes");
    assertThat(run("run", Flows.class.getName(), "-a", "h:1;h:2", "--hostname", "laptop")).isEqualTo(2);
    assertThat(err.toString()).contains("say which one this is with -i 0..1");
    // -i wins over the hostname
    err.getBuffer().setLength(0);
    assertThat(run("run", Flows.class.getName(), "-i", "0", "-a", "localhost:1;localhost:2", "--hostname", "sluice-1"))
        .isEqualTo(1);
    assertThat(err.toString()).doesNotContain("from hostname");
  }

  @Test
  void metricsPortNeedsTheMetricsModule() {
    assertThat(run("run", Flows.class.getName(), "--metrics-port", "9400")).isEqualTo(2);
    assertThat(err.toString()).contains("--metrics-port needs sluice-metrics on the classpath");
  }
}
