package io.sluice.aeron;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real OS processes: killing one makes the other stop with an error naming it, and nothing is left behind. */
class KilledProcessTest {
  private static final String SECRET = ClusterSecret.generate().toEnvironmentValue();
  private final List<Process> children = new ArrayList<>();

  @TempDir
  Path logs;

  @AfterEach
  void killChildren() {
    children.forEach(Process::destroyForcibly);
  }

  private Process startProcess(int id, String addresses) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
        "-D" + AeronTransport.Settings.PEER_TIMEOUT_PROPERTY + "=5000", "-cp", System.getProperty("java.class.path"), "io.sluice.run.Cli",
        "run", EndlessFlow.class.getName(), "-w", "1", "-i", String.valueOf(id), "-a", addresses);
    pb.environment().put(ClusterSecret.ENV, SECRET);
    pb.redirectOutput(logs.resolve("out-" + id).toFile());
    pb.redirectError(logs.resolve("err-" + id).toFile());
    Process p = pb.start();
    children.add(p);
    return p;
  }

  private String stderr(int id) throws IOException {
    return Files.readString(logs.resolve("err-" + id), StandardCharsets.UTF_8);
  }

  @Test
  void killingOneProcessStopsTheOtherWithAClearErrorAndLeavesNoDriverDirectories() throws Exception {
    String addresses = String.join(";", InJvmCluster.freeAddresses(2));
    Process p0 = startProcess(0, addresses);
    Process p1 = startProcess(1, addresses);
    await("both processes connected").atMost(Duration.ofSeconds(60))
        .until(() -> stderr(0).contains("connected to 1 peers") && stderr(1).contains("connected to 1 peers"));

    p1.destroyForcibly(); // SIGKILL: no chance to say goodbye
    assertThat(p1.waitFor(10, TimeUnit.SECONDS)).isTrue();

    assertThat(p0.waitFor(30, TimeUnit.SECONDS)).as("the surviving process stops by itself").isTrue();
    assertThat(p0.exitValue()).isEqualTo(1);
    assertThat(stderr(0)).contains("lost process 1 (" + addresses.split(";")[1] + "): it was silent for longer than"
        + " the peer timeout of 5000 ms");

    // the survivor removed its own driver directory; the killed one's is removed by the next driver start
    Path base = DriverDirectories.base();
    assertThat(DriverDirectories.of(base, p0.pid())).isEmpty();
    DriverDirectories.deleteOrphans(base);
    assertThat(DriverDirectories.of(base, p1.pid())).isEmpty();
  }
}
