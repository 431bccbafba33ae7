package io.sluice.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.recovery.RecoveryStore;
import io.sluice.run.Cli;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command-line recovery path of issue 8 with the word-count example, in real JVMs:
 * {@code sluice recovery init DIR 4}; {@code sluice run io.sluice.examples.WordCount -w 2 -r DIR -s 1s -- big.txt}
 * killed with {@code kill -9} once a snapshot is complete; the same command with {@code -w 3}. The
 * output of both runs together, duplicates removed, is the file's word counts, and the second run
 * did not read the file again from its start.
 */
class WordCountCliRecoveryTest {
  static final int LINES = 600_000;
  private final List<Process> children = new ArrayList<>();

  @TempDir
  Path dir;

  @AfterEach
  void killChildren() {
    children.forEach(Process::destroyForcibly);
  }

  /** {@code LINES} lines of 1..12 words from a vocabulary of 5,000, the same every time. */
  private Map<String, Long> writeBigFile(Path file) throws IOException {
    SplittableRandom random = new SplittableRandom(8);
    Map<String, Long> counts = new HashMap<>();
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      for (int l = 0; l < LINES; l++) {
        int n = 1 + random.nextInt(12);
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < n; i++) {
          String word = "w" + random.nextInt(5_000);
          counts.merge(word, 1L, Long::sum);
          line.append(i == 0 ? "" : " ").append(i % 3 == 0 ? word.toUpperCase(java.util.Locale.ROOT) : word);
        }
        w.write(line.toString());
        w.newLine();
      }
    }
    return counts;
  }

  private Process sluiceRun(int workers, Path store, Path input, Path out, Path err) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(java, "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"));
    if (Runtime.version().feature() >= 23) {
      command.add("--sun-misc-unsafe-memory-access=allow");
    }
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), Cli.class.getName(), "run",
        WordCount.class.getName(), "-w", String.valueOf(workers), "-r", store.toString(), "-s", "1s", "--stats", "--",
        input.toString()));
    ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
    Process p = pb.start();
    children.add(p);
    return p;
  }

  @Test
  void killedAtTwoWorkersThenRunAtThreeTheOutputsTogetherAreTheWordCounts() throws Exception {
    Path big = dir.resolve("big.txt");
    Map<String, Long> expected = writeBigFile(big);
    Path store = dir.resolve("store");
    StringWriter cliErr = new StringWriter();
    assertThat(Cli.execute(new String[] {"recovery", "init", store.toString(), "4"}, new PrintWriter(new StringWriter()),
        new PrintWriter(cliErr, true))).as(cliErr.toString()).isZero();

    Path out1 = dir.resolve("out-1.txt");
    Path err1 = dir.resolve("err-1.txt");
    Process first = sluiceRun(2, store, big, out1, err1);
    // kill -9 once an epoch is complete in the store, while the file is still being read
    await("a complete snapshot").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
        .until(() -> !first.isAlive() || RecoveryStore.inspect(store).newestCompleteEpoch() >= 1);
    assertThat(first.isAlive()).as("the first run was still reading when its first snapshot was complete"
        + " (else big.txt is too small for this machine): " + Files.readString(err1)).isTrue();
    first.destroyForcibly(); // SIGKILL
    assertThat(first.waitFor(10, TimeUnit.SECONDS)).as("killed").isTrue();
    assertThat(first.exitValue()).isEqualTo(137);

    Path out2 = dir.resolve("out-2.txt");
    Path err2 = dir.resolve("err-2.txt");
    Process second = sluiceRun(3, store, big, out2, err2);
    assertThat(second.waitFor(120, TimeUnit.SECONDS)).as("the second run ends").isTrue();
    assertThat(second.exitValue()).as(Files.readString(err2)).isZero();

    Map<String, Long> together = new TreeMap<>();
    for (Path out : List.of(out1, out2)) {
      for (String line : Files.readAllLines(out)) {
        String[] kv = line.split("\t");
        Long before = together.put(kv[0], Long.parseLong(kv[1]));
        assertThat(before == null || before == Long.parseLong(kv[1])).as("one count per word: " + line).isTrue();
      }
    }
    assertThat(together).isEqualTo(new TreeMap<>(expected));
    // the second run resumed: it read only the lines after the snapshot (--stats: step, worker, in, out)
    long linesRead = 0;
    for (String line : Files.readAllLines(err2)) {
      String[] f = line.trim().split("\\s+");
      if (f.length == 4 && f[0].equals("lines")) {
        linesRead += Long.parseLong(f[3]);
      }
    }
    assertThat(linesRead).as(Files.readString(err2)).isPositive().isLessThan(LINES);
  }
}
