package io.sluice.aeron;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM to one process of a 2-process cluster run by the CLI, in two real JVMs: both stop
 * gracefully, exit 3, the file sink holds the count of every line processed, and no media driver
 * directory is left.
 */
class GracefulStopTest {
  private final List<Process> children = new ArrayList<>();

  @TempDir
  Path dir;

  @AfterEach
  void killChildren() {
    children.forEach(Process::destroyForcibly);
  }

  private Process start(int id, String addresses, Path out) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
        "-cp", System.getProperty("java.class.path"), "io.sluice.run.Cli",
        "run", EndlessWordCount.class.getName(), "-w", "1", "-i", String.valueOf(id), "-a", addresses, "--", out.toString());
    pb.environment().put(ClusterSecret.ENV, SECRET);
    pb.redirectOutput(dir.resolve("out-" + id).toFile());
    pb.redirectError(dir.resolve("err-" + id).toFile());
    Process p = pb.start();
    children.add(p);
    return p;
  }

  private static final String SECRET = ClusterSecret.generate().toEnvironmentValue();

  private String stderr(int id) throws IOException {
    return Files.readString(dir.resolve("err-" + id), StandardCharsets.UTF_8);
  }

  @Test
  void sigtermToOneProcessStopsBothGracefullyWithEveryLineCounted() throws Exception {
    String addresses = String.join(";", InJvmCluster.freeAddresses(2));
    Path out = dir.resolve("counts.txt");
    Process p0 = start(0, addresses, out);
    Process p1 = start(1, addresses, out);
    await("both processes read lines").atMost(Duration.ofSeconds(60))
        .until(() -> stderr(0).contains("read 1000 lines") && stderr(1).contains("read 1000 lines"));

    p1.destroy(); // SIGTERM
    assertThat(p1.waitFor(20, TimeUnit.SECONDS)).as("the stopped process exits").isTrue();
    assertThat(p0.waitFor(20, TimeUnit.SECONDS)).as("its peer exits").isTrue();
    assertThat(p1.exitValue()).as("stopped: " + stderr(1)).isEqualTo(3);
    assertThat(p0.exitValue()).as("stopped by its peer: " + stderr(0)).isEqualTo(3);
    assertThat(stderr(1)).contains("SIGTERM: stopping gracefully").contains("stopped early");
    assertThat(stderr(0)).contains("process 1 was stopped: SIGTERM");

    Map<String, Long> counts = new HashMap<>();
    for (String line : Files.readAllLines(out)) {
      String[] kv = line.split("\t");
      assertThat(counts.put(kv[0], Long.parseLong(kv[1]))).as("each word once: " + kv[0]).isNull();
    }
    Map<Integer, TreeSet<Long>> numbersByWorker = new TreeMap<>();
    for (Map.Entry<String, Long> e : counts.entrySet()) {
      if (e.getKey().startsWith("line-")) {
        String[] parts = e.getKey().split("-");
        assertThat(e.getValue()).isEqualTo(1);
        numbersByWorker.computeIfAbsent(Integer.parseInt(parts[1]), w -> new TreeSet<>()).add(Long.parseLong(parts[2]));
      }
    }
    assertThat(numbersByWorker).containsOnlyKeys(0, 1);
    long lines = 0;
    for (TreeSet<Long> numbers : numbersByWorker.values()) {
      assertThat(numbers.first()).isZero();
      assertThat(numbers.last()).as("a gap-free prefix of what was read").isEqualTo(numbers.size() - 1);
      assertThat(numbers.size()).isGreaterThanOrEqualTo(1000);
      lines += numbers.size();
    }
    assertThat(counts.get("common")).as("every line processed was counted").isEqualTo(lines);

    Path base = DriverDirectories.base();
    assertThat(DriverDirectories.of(base, p0.pid())).isEmpty();
    assertThat(DriverDirectories.of(base, p1.pid())).isEmpty();
  }
}
