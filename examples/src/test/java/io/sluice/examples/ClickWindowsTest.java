package io.sluice.examples;

import static io.sluice.testkit.SluiceAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.run.StepFailedException;
import io.sluice.testkit.DataflowRunner;
import io.sluice.testkit.DataflowTest;
import io.sluice.testkit.TestRun;
import io.sluice.testkit.TestSink;
import io.sluice.testkit.TestSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.io.TempDir;

/**
 * The click-windows example: event-time tumbling counts per user, with late clicks reported, the
 * same lines at 1, 2 and 4 workers in 1 and 2 processes.
 */
@DataflowTest(workers = {1, 2, 4}, processes = {1, 2})
class ClickWindowsTest {

  /**
   * The expected lines, worked out without Sluice: a click is late if it is more than 10 s older
   * than its user's newest earlier click; every other click counts in minute {@code ts / 60 000}.
   */
  static List<String> expected(List<String> lines) {
    Map<String, Long> newest = new HashMap<>();
    Map<String, Long> counts = new TreeMap<>();
    List<String> out = new ArrayList<>();
    for (String line : lines) {
      String[] f = line.split(",");
      long ts = Long.parseLong(f[0]);
      String user = f[1];
      Long max = newest.get(user);
      if (max != null && ts < max - 10_000) {
        out.add("late\t" + user + "\t" + ts);
        continue;
      }
      newest.put(user, max == null ? ts : Math.max(max, ts));
      counts.merge(user + "\t" + Math.floorDiv(ts, 60_000L) * 60_000L, 1L, Long::sum);
    }
    counts.forEach((k, n) -> out.add(k + "\t" + n));
    return out;
  }

  static final List<String> FEW = List.of(
      "1000,alice", "5000,bob", "59000,alice", "61000,alice", "62000,bob", "65000,alice", "30000,alice",
      "55000,bob", "125000,alice");

  @DataflowTest
  void countsClicksPerUserAndMinuteAndReportsLateClicks(DataflowRunner runner) {
    TestSink<String> out = new TestSink<>();
    TestRun run = runner.run(ClickWindows.flow(TestSource.ofAll(FEW), out));
    assertThat(run.output(out)).containsExactlyInAnyOrder(
        "alice\t0\t2", "alice\t60000\t2", "alice\t120000\t1", "late\talice\t30000", // 30 s behind 65 s
        "bob\t0\t2", "bob\t60000\t1") // 55 s is only 7 s behind bob's 62 s: on time
        .hasNoDuplicates();
    assertThat(run).step("count").hasEachKeyOnTheWorkerRoutingPredicts();
  }

  /**
   * 3 000 clicks of 20 users, out of order by up to 28 s. Timestamps are multiples of 7 s, so no
   * click is within 3 s of the lateness boundary and the milliseconds a run takes cannot matter.
   */
  static List<String> generated() {
    Random random = new Random(9);
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 3_000; i++) {
      long step = i / 4 + random.nextInt(5) - 4;
      lines.add(step * 7_000 + ",user" + random.nextInt(20));
    }
    return lines;
  }

  @DataflowTest
  void manyClicksGiveTheLinesAPlainLoopGives(DataflowRunner runner) {
    List<String> lines = generated();
    List<String> expected = expected(lines);
    org.assertj.core.api.Assertions.assertThat(expected).anyMatch(l -> l.startsWith("late"));
    TestSink<String> out = new TestSink<>();
    TestRun run = runner.run(ClickWindows.flow(TestSource.ofAll(lines).withBatchSize(64), out));
    assertThat(run.output(out)).containsExactlyInAnyOrderElementsOf(expected);
  }

  @DataflowTest(processes = 1)
  void readsTheCsvFileGivenAsItsArgument(DataflowRunner runner, @TempDir Path dir) throws IOException {
    Path csv = dir.resolve("clicks.csv");
    Files.write(csv, FEW);
    TestSink<String> out = new TestSink<>();
    // the CLI's flow writes to stdout; run the same steps from the file into a test sink
    TestRun run = runner.run(ClickWindows.flow(new io.sluice.connectors.FileSource(csv), out));
    assertThat(run.output(out)).containsExactlyInAnyOrderElementsOf(expected(FEW));
    assertThatThrownBy(() -> ClickWindows.flow(new String[0])).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("CSV file");
    assertThatThrownBy(() -> ClickWindows.flow(new String[] {dir.resolve("missing.csv").toString()}))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("missing.csv");
  }

  @DataflowTest(workers = 2, processes = 1)
  void aMalformedLineFailsTheRunNamingIt(DataflowRunner runner) {
    TestSink<String> out = new TestSink<>();
    assertThatThrownBy(() -> runner.run(ClickWindows.flow(TestSource.of("1000,alice", "12:00,bob"), out)))
        .isInstanceOf(StepFailedException.class)
        .hasMessageContaining("parse")
        .hasStackTraceContaining("expected 'epochMillis,user' with a whole number of milliseconds, got '12:00,bob'");
  }
}
