package io.sluice.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.connectors.FileSink;
import io.sluice.connectors.FileSource;
import io.sluice.dataflow.Dataflow;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sluice recovery init|inspect} and {@code sluice run -r DIR -s INTERVAL -b INTERVAL}. */
class CliRecoveryTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return Cli.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
  }

  /** Word counts of the files in args[0], written to the file args[1]. */
  public static final class Flows {
    public static Dataflow flow(String[] args) {
      Dataflow flow = new Dataflow("cli-recovery");
      flow.input("lines", new FileSource(Path.of(args[0])))
          .flatMap("split", line -> List.of(line.split(" ")))
          .countFinal("count", w -> w)
          .map("format", kv -> kv.key() + "=" + kv.value())
          .output("out", new FileSink<>(Path.of(args[1])));
      return flow;
    }
  }

  @Test
  void aFlowRunAgainWithItsRecoveryDirectoryContinuesItsCounts(@TempDir Path tmp) throws Exception {
    Path input = Files.createDirectories(tmp.resolve("in"));
    Files.writeString(input.resolve("a.txt"), "x y\nx z\n");
    Path output = tmp.resolve("counts.txt");
    Path store = tmp.resolve("store");

    assertThat(run("recovery", "init", store.toString(), "3")).isZero();
    assertThat(Files.exists(store.resolve("part-2.sqlite3"))).isTrue();
    assertThat(run("run", Flows.class.getName(), "-w", "2", "-r", store.toString(), "-s", "0", "--",
        input.toString(), output.toString())).as(err.toString()).isZero();
    assertThat(counts(output)).containsExactly("x=2", "y=1", "z=1");

    assertThat(run("recovery", "inspect", store.toString())).isZero();
    assertThat(out.toString()).contains("flow 'cli-recovery'").contains("step 'count': 3 keys")
        .contains("step 'lines': 1 keys");

    // new input after the end: the next run reads only it, and goes on counting from the snapshot
    Files.writeString(input.resolve("a.txt"), "x q\n", StandardOpenOption.APPEND);
    assertThat(run("run", Flows.class.getName(), "-w", "3", "-r", store.toString(), "-s", "100ms", "-b", "1m", "--",
        input.toString(), output.toString())).as(err.toString()).isZero();
    assertThat(counts(output)).containsExactly("q=1", "x=3", "y=1", "z=1");
  }

  @Test
  void recoveryMistakesPrintUsageAndExitTwo(@TempDir Path tmp) {
    assertThat(run("run", Flows.class.getName(), "-s", "1s", "--", "a", "b")).isEqualTo(2);
    assertThat(err.toString()).contains("need -r DIR");
    assertThat(run("run", Flows.class.getName(), "-r", tmp.toString(), "-s", "soon", "--", "a", "b")).isEqualTo(2);
    assertThat(err.toString()).contains("'soon' is not a duration");
    assertThat(run("recovery", "init", tmp.resolve("s").toString(), "0")).isEqualTo(2);
    assertThat(err.toString()).contains("at least 1 partition");
    assertThat(run("recovery", "inspect", tmp.resolve("nothing-here").toString())).isEqualTo(1);
    assertThat(err.toString()).contains("does not exist").contains("sluice recovery init");
    assertThat(run("recovery")).isEqualTo(2);
  }

  private static List<String> counts(Path file) throws Exception {
    return List.copyOf(new TreeMap<>(Files.readAllLines(file).stream()
        .collect(java.util.stream.Collectors.toMap(l -> l, l -> l))).keySet());
  }
}
