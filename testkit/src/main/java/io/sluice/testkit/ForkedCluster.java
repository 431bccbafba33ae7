package io.sluice.testkit;

import io.sluice.dataflow.Dataflow;
import io.sluice.run.RunResult;
import io.sluice.run.StepFailedException;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.agrona.IoUtil;

/**
 * A dataflow running as a cluster of separate JVMs, started by
 * {@link DataflowRunner#startForked(Class, String)}: real process isolation, so a test can kill a
 * process. Every JVM builds the flow with the same static factory; what their {@link TestSink}s
 * captured and their workers' statistics come back to the test's {@link TestRun}. Child JVMs
 * inherit the test's classpath. Close it (try-with-resources) to be sure no child outlives the test.
 */
public final class ForkedCluster implements AutoCloseable {
  private final Dataflow flow;
  private final Map<TestSink<?>, String> sinkIds;
  private final Map<TestSink<?>, String> labels;
  private final int workersPerProcess;
  private final Duration timeout;
  private final Path dir;
  private final List<Process> processes = new ArrayList<>();

  ForkedCluster(Class<?> factory, String method, int processes, int workersPerProcess, Duration timeout,
      Map<TestSink<?>, String> labels, Dataflow flow, io.sluice.run.RunConfig config) {
    this.flow = flow;
    this.labels = labels;
    this.sinkIds = ForkedProcess.testSinks(flow);
    this.workersPerProcess = workersPerProcess;
    this.timeout = timeout;
    try {
      this.dir = Files.createTempDirectory("sluice-forked-");
      String addresses = String.join(";", ClusterRuns.freeAddresses(processes));
      // the processes prove to each other that they belong to this run with a secret made for it
      byte[] secret = new byte[32];
      new java.security.SecureRandom().nextBytes(secret);
      String secretHex = java.util.HexFormat.of().formatHex(secret);
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      for (int p = 0; p < processes; p++) {
        List<String> command = new ArrayList<>(List.of(java, "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"));
        if (Runtime.version().feature() >= 23) {
          // the same JDK as this one: allow Fory's sun.misc.Unsafe use instead of a warning on stderr
          command.add("--sun-misc-unsafe-memory-access=allow");
        }
        // a killed process is noticed within 5 s (the transport's default of 30 s suits production JVMs)
        command.add("-Dsluice.aeron.peerTimeoutMs=" + Long.getLong("sluice.aeron.peerTimeoutMs", 5_000));
        // the transport's threads as this JVM's override or the test's configuration says
        command.add("-Dsluice.aeron.threading=" + System.getProperty("sluice.aeron.threading",
            config.idle().threading().name().toLowerCase(Locale.ROOT)));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ForkedProcess.class.getName(),
            factory.getName(), method, String.valueOf(p), addresses, String.valueOf(workersPerProcess),
            result(p).toString(), String.valueOf(timeout.toMillis()),
            String.valueOf(config.epochInterval().toMillis()),
            config.virtualTimeOrigin() == null ? "-" : config.virtualTimeOrigin().toString(),
            config.recovery() == null ? "-" : config.recovery().directory().toAbsolutePath().toString()));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("SLUICE_CLUSTER_SECRET", secretHex);
        pb.redirectOutput(dir.resolve("out-" + p).toFile());
        pb.redirectError(dir.resolve("err-" + p).toFile());
        this.processes.add(pb.start());
      }
    } catch (IOException e) {
      close();
      throw new UncheckedIOException("cannot start the forked processes", e);
    }
  }

  private Path result(int p) {
    return dir.resolve("result-" + p);
  }

  /** How many processes the cluster has. */
  public int processes() {
    return processes.size();
  }

  /** The OS process of cluster process {@code p}. */
  public ProcessHandle process(int p) {
    return processes.get(p).toHandle();
  }

  /** Waits (bounded by the run's timeout) until every process has connected to all the others and runs. */
  public ForkedCluster awaitRunning() {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (int p = 0; p < processes.size(); p++) {
      Path marker = dir.resolve(result(p).getFileName() + ".running");
      while (!Files.exists(marker)) {
        if (!processes.get(p).isAlive()) {
          throw new AssertionError("forked process " + p + " ended before it was running:\n" + stderr(p));
        }
        if (System.nanoTime() > deadline) {
          throw new AssertionError("forked process " + p + " was not running within " + timeout + ":\n" + stderr(p));
        }
        java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
      }
    }
    return this;
  }

  /** Kills process {@code p} like a crash (SIGKILL) and waits for it to be gone. */
  public void kill(int p) {
    Process proc = processes.get(p);
    proc.destroyForcibly();
    try {
      if (!proc.waitFor(10, TimeUnit.SECONDS)) {
        throw new AssertionError("forked process " + p + " did not die within 10 s of SIGKILL");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while killing forked process " + p, e);
    }
  }

  /**
   * Sends process {@code p} SIGTERM, as Kubernetes does to stop a pod, and returns at once. The
   * process stops its run gracefully, as {@code sluice run} does: its sources end where they are,
   * every item read drains to the sinks (and, with recovery, the last epoch is snapshotted), the
   * other processes are told and stop the same way; each then exits with code 3
   * ({@link #exitCode}) and {@link #await()} returns what all of them wrote.
   */
  public void terminate(int p) {
    processes.get(p).destroy();
  }

  /**
   * Waits for process {@code p} to end (at most the run's timeout + 30 s) and returns its exit
   * code: 0 its run finished, 1 it failed, 2 it could not report its results, 3 it was stopped
   * early on request (SIGTERM to it or to another process of the cluster), 137 it was killed.
   *
   * @throws AssertionError if it did not end in time
   */
  public int exitCode(int p) {
    Process proc = processes.get(p);
    try {
      if (!proc.waitFor(timeout.toMillis() + 30_000, TimeUnit.MILLISECONDS)) {
        throw new AssertionError("forked process " + p + " of '" + flow.name() + "' did not end within " + timeout
            + " (+30 s). Its stderr:\n" + stderr(p));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting for forked process " + p, e);
    }
    return proc.exitValue();
  }

  /** What process {@code p} wrote to stderr so far. */
  public String stderr(int p) {
    try {
      return Files.readString(dir.resolve("err-" + p), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(no stderr: " + e + ")";
    }
  }

  /**
   * Waits for every process to finish and returns the combined run: all workers' statistics and
   * every test sink's items from every process.
   *
   * @throws StepFailedException if user code failed in a process (rebuilt from that process's report)
   * @throws AssertionError      if a process did not finish in time or failed otherwise (with its stderr)
   */
  public TestRun await() {
    List<ForkedProcess.Report> reports = reports();
    StepFailedException userFailure = null;
    List<String> otherFailures = new ArrayList<>();
    for (int p = 0; p < reports.size(); p++) {
      ForkedProcess.Report r = reports.get(p);
      if (r == null) {
        otherFailures.add("process " + p + " ended with exit code " + processes.get(p).exitValue()
            + " and no report:\n" + stderr(p));
      } else if (r.failure() != null && r.failure().stepId() != null) {
        if (userFailure == null) {
          userFailure = rebuild(r.failure());
        }
      } else if (r.failure() != null) {
        otherFailures.add("process " + p + ": " + r.failure().message());
      }
    }
    if (userFailure != null) {
      throw userFailure;
    }
    if (!otherFailures.isEmpty()) {
      throw new AssertionError("the forked run of '" + flow.name() + "' failed:\n" + String.join("\n", otherFailures));
    }
    List<RunResult> results = new ArrayList<>();
    for (ForkedProcess.Report r : reports) {
      results.add(ForkedProcess.toResult(flow.name(), r));
    }
    Map<TestSink<?>, SinkOutput<?>> outputs = new IdentityHashMap<>();
    sinkIds.forEach((sink, id) -> {
      for (ForkedProcess.Report r : reports) {
        addForeign(sink, r.outputs().getOrDefault(id, List.of()));
      }
      outputs.put(sink, snapshot(sink, labels.get(sink)));
    });
    return new TestRun(flow, RunResult.merge(results), workersPerProcess, outputs);
  }

  /**
   * Waits for every process to end, expecting the run to have failed (e.g. after {@link #kill}),
   * and returns each surviving process's error message by process id ({@code null} for a process
   * that was killed or finished).
   *
   * @throws AssertionError if every process finished without an error
   */
  public Map<Integer, String> awaitFailure() {
    List<ForkedProcess.Report> reports = reports();
    Map<Integer, String> errors = new java.util.TreeMap<>();
    for (int p = 0; p < reports.size(); p++) {
      ForkedProcess.Report r = reports.get(p);
      errors.put(p, r == null || r.failure() == null ? null : r.failure().message());
    }
    if (errors.values().stream().allMatch(java.util.Objects::isNull)) {
      throw new AssertionError("expected the forked run of '" + flow.name() + "' to fail, but no process reported an error");
    }
    return errors;
  }

  private List<ForkedProcess.Report> reports() {
    long deadline = System.nanoTime() + timeout.toNanos() + TimeUnit.SECONDS.toNanos(30);
    List<ForkedProcess.Report> reports = new ArrayList<>();
    for (int p = 0; p < processes.size(); p++) {
      Process proc = processes.get(p);
      try {
        if (!proc.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
          close();
          throw new AssertionError("forked process " + p + " of '" + flow.name() + "' did not finish within "
              + timeout + " (+30 s); all were killed. Its stderr:\n" + stderr(p));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        close();
        throw new AssertionError("interrupted while waiting for the forked processes", e);
      }
      reports.add(read(result(p)));
    }
    return reports;
  }

  private static ForkedProcess.Report read(Path file) {
    if (!Files.exists(file)) {
      return null;
    }
    try (ObjectInputStream in = new ObjectInputStream(Files.newInputStream(file))) {
      return (ForkedProcess.Report) in.readObject();
    } catch (IOException | ClassNotFoundException e) {
      throw new AssertionError("cannot read a forked process's report " + file + ": " + e, e);
    }
  }

  private static StepFailedException rebuild(ForkedProcess.FailureRecord f) {
    Throwable cause = null;
    if (f.cause() != null) {
      try (ObjectInputStream in = new ObjectInputStream(new java.io.ByteArrayInputStream(f.cause()))) {
        cause = (Throwable) in.readObject();
      } catch (IOException | ClassNotFoundException | ClassCastException e) {
        cause = null;
      }
    }
    if (cause == null) {
      cause = new IllegalStateException(f.causeText());
    }
    return f.item() != null || f.activity() == null
        ? new StepFailedException(f.stepId(), f.worker(), f.item(), cause)
        : StepFailedException.during(f.stepId(), f.worker(), f.activity(), cause);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void addForeign(TestSink sink, List<ForkedProcess.CapturedRecord> records) {
    List<Captured<Object>> captured = new ArrayList<>();
    for (ForkedProcess.CapturedRecord c : records) {
      captured.add(new Captured<>(c.item(), c.process(), c.worker(), c.stepId(), c.epoch(), c.sequence()));
    }
    sink.addForeign(captured);
  }

  private <T> SinkOutput<T> snapshot(TestSink<T> sink, String label) {
    return new SinkOutput<>(label, processes.size(), workersPerProcess, sink.captured());
  }

  /** Kills any process still running and deletes the exchange directory. */
  @Override
  public void close() {
    for (Process p : processes) {
      p.destroyForcibly();
    }
    for (Process p : processes) {
      try {
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (dir != null) {
      IoUtil.delete(dir.toFile(), true);
    }
  }
}
