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
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process paused (SIGSTOP, like a long GC pause) in a 2-process CLI cluster of real JVMs: within
 * the peer timeout the cluster carries on; past it, the messages say which side went silent.
 */
class PausedProcessTest {
  private static final String SECRET = ClusterSecret.generate().toEnvironmentValue();
  private final List<Process> children = new ArrayList<>();

  @TempDir
  Path logs;

  @AfterEach
  void killChildren() {
    children.forEach(p -> {
      signal(p, "CONT");
      p.destroyForcibly();
    });
  }

  private Process start(int id, String addresses, long peerTimeoutMs) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java, "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"));
    if (peerTimeoutMs > 0) {
      cmd.add("-D" + AeronTransport.Settings.PEER_TIMEOUT_PROPERTY + "=" + peerTimeoutMs);
    }
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.sluice.run.Cli",
        "run", EndlessFlow.class.getName(), "-w", "1", "-i", String.valueOf(id), "-a", addresses));
    ProcessBuilder pb = new ProcessBuilder(cmd);
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

  private static void signal(Process p, String sig) {
    try {
      new ProcessBuilder("kill", "-" + sig, String.valueOf(p.pid())).start().waitFor(5, TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private List<Process> startCluster(long peerTimeoutMs) throws Exception {
    String addresses = String.join(";", InJvmCluster.freeAddresses(2));
    Process p0 = start(0, addresses, peerTimeoutMs);
    Process p1 = start(1, addresses, peerTimeoutMs);
    await("both processes connected").atMost(Duration.ofSeconds(60))
        .until(() -> stderr(0).contains("connected to 1 peers") && stderr(1).contains("connected to 1 peers"));
    return List.of(p0, p1);
  }

  @Test
  void aPauseOf14SecondsIsSurvivedWithTheDefaultPeerTimeout() throws Exception {
    List<Process> ps = startCluster(0);
    signal(ps.get(1), "STOP");
    LockSupport.parkNanos(Duration.ofSeconds(14).toNanos()); // the pause under test, not a wait for a condition
    signal(ps.get(1), "CONT");
    // both still run a while after the pause: nobody was dropped
    await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4)).until(() -> true);
    assertThat(ps.get(0).isAlive()).as("process 0 after the pause: " + stderr(0)).isTrue();
    assertThat(ps.get(1).isAlive()).as("process 1 after the pause: " + stderr(1)).isTrue();
    ps.get(0).destroy(); // SIGTERM: both stop gracefully
    assertThat(ps.get(0).waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(ps.get(1).waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(ps.get(0).exitValue()).as(stderr(0)).isEqualTo(3);
    assertThat(ps.get(1).exitValue()).as(stderr(1)).isEqualTo(3);
  }

  @Test
  void aPauseLongerThanThePeerTimeoutNamesTheSideThatWentSilent() throws Exception {
    List<Process> ps = startCluster(3_000);
    signal(ps.get(1), "STOP");
    assertThat(ps.get(0).waitFor(30, TimeUnit.SECONDS)).as("process 0 gives up on the paused one").isTrue();
    assertThat(ps.get(0).exitValue()).isEqualTo(1);
    assertThat(stderr(0)).contains("lost process 1").contains("it was silent for longer than the peer timeout of"
        + " 3000 ms (sluice.aeron.peerTimeoutMs)");
    signal(ps.get(1), "CONT");
    assertThat(ps.get(1).waitFor(30, TimeUnit.SECONDS)).as("the resumed process stops too").isTrue();
    assertThat(ps.get(1).exitValue()).isEqualTo(1);
    // it hears why from process 0, or finds out itself: either way the silent side is process 1
    assertThat(stderr(1)).containsAnyOf("this process (1) itself was silent", "lost process 1");
  }
}
