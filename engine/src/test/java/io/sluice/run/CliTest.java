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

    assertThat(run("run", Flows.class.getName(), "--idle", "fast")).isEqualTo(2);
    assertThat(err.toString()).contains("unknown idle profile 'fast'").contains("latency");
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
}
