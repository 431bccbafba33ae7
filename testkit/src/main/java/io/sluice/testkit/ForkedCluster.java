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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.agrona.IoUtil;

/**
 * A dataflow running as a cluster of separate JVMs, started by
 * {@link DataflowRunner#startForked(Class, String)}: real process isolation, so a test can kill a
 * process. Every JVM builds the flow with the same static factory; what their {@link TestSink}s
 * captured and their workers' statistics come back to the test's {@link TestRun}. Child JVMs
 * inherit the test's classpath; each child's system property {@code sluice.forked.process} is its
 * process id. Close it (try-with-resources) to be sure no child outlives the test.
 *
 * <p>A process that fails on its own (exit code 1: it wrote a failure report, or its JVM could not
 * run it) before the others have ended fails the run within {@link #FAILURE_GRACE}: the others get
 * that long to learn of it over Aeron and write their own reports (those that had joined do, in
 * milliseconds); any still running then are killed, like {@link #close()}, instead of waiting for
 * their connect timeout (30 s) when the failure came before the cluster was joined. A process
 * killed with {@link #kill} (or by anyone else) writes no report and does not do this: the others
 * detect the loss themselves.
 */
public final class ForkedCluster implements AutoCloseable {
  private final Dataflow flow;
  private final Map<TestSink<?>, String> sinkIds;
  private final Map<TestSink<?>, String> labels;
  private final int workersPerProcess;
  private final Duration timeout;
  private final Path dir;
  private final List<Process> processes = new ArrayList<>();
  /** Processes killed here after another failed: process id to the id of the one that failed. */
  private final Map<Integer, Integer> stoppedAfterFailure = new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * How long the other processes may still run after one has failed on its own before they are
   * killed: long enough for those that had joined the cluster to learn of the failure over Aeron
   * and write their reports.
   */
  public static final Duration FAILURE_GRACE = Duration.ofSeconds(5);

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
        // which process this JVM is, for a factory that builds a process's flow differently
        command.add("-D" + ForkedProcess.PROCESS_PROPERTY + "=" + p);
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

  /**
   * Waits (bounded by the run's timeout) until every process has connected to all the others and
   * runs; fails at once if any process ends before it was running.
   */
  public ForkedCluster awaitRunning() {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (int p = 0; p < processes.size(); p++) {
      Path marker = dir.resolve(result(p).getFileName() + ".running");
      while (!Files.exists(marker)) {
        for (int q = 0; q < processes.size(); q++) {
          // any process that ended without running means this one waits for it in vain
          if (!processes.get(q).isAlive() && !Files.exists(dir.resolve(result(q).getFileName() + ".running"))) {
            throw new AssertionError("forked process " + q + " ended before it was running:\n" + stderr(q));
          }
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
      if (r == null && stoppedAfterFailure.containsKey(p)) {
        otherFailures.add("process " + p + " was killed: it was still running " + FAILURE_GRACE.toSeconds()
            + " s after process " + stoppedAfterFailure.get(p) + " failed");
      } else if (r == null) {
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
   * that was killed or finished, including one killed because it still ran {@link #FAILURE_GRACE}
   * after another process had failed on its own).
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
    awaitEnd(System.nanoTime() + timeout.toNanos() + TimeUnit.SECONDS.toNanos(30));
    List<ForkedProcess.Report> reports = new ArrayList<>();
    for (int p = 0; p < processes.size(); p++) {
      reports.add(read(result(p)));
    }
    return reports;
  }

  /**
   * Waits for all processes together until every one has ended, or until one has failed on its own
   * (exit code 1) and then at most {@link #FAILURE_GRACE} more, killing those still running.
   */
  private void awaitEnd(long deadline) {
    List<CompletableFuture<Process>> exits = new ArrayList<>();
    CompletableFuture<Integer> firstFailure = new CompletableFuture<>();
    for (int p = 0; p < processes.size(); p++) {
      int id = p;
      // 1: a failure report, or a JVM that could not run the process; a killed one ends with 128 + signal
      exits.add(processes.get(p).onExit().whenComplete((proc, e) -> {
        if (proc != null && proc.exitValue() == 1) {
          firstFailure.complete(id);
        }
      }));
    }
    CompletableFuture<Void> all = CompletableFuture.allOf(exits.toArray(CompletableFuture[]::new));
    try {
      CompletableFuture.anyOf(all, firstFailure).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (!all.isDone()) {
        long grace = Math.min(FAILURE_GRACE.toNanos(), Math.max(0, deadline - System.nanoTime()));
        try {
          all.get(grace, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
          int failed = firstFailure.join();
          for (int p = 0; p < processes.size(); p++) {
            if (processes.get(p).isAlive()) {
              stoppedAfterFailure.put(p, failed);
              processes.get(p).destroyForcibly();
            }
          }
          try {
            all.get(10, TimeUnit.SECONDS);
          } catch (TimeoutException e2) {
            close();
            throw new AssertionError("forked processes of '" + flow.name() + "' did not die within 10 s of SIGKILL");
          }
        }
      }
    } catch (TimeoutException e) {
      int p = 0;
      while (p < processes.size() - 1 && !processes.get(p).isAlive()) {
        p++;
      }
      close();
      throw new AssertionError("forked process " + p + " of '" + flow.name() + "' did not finish within "
          + timeout + " (+30 s); all were killed. Its stderr:\n" + stderr(p));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close();
      throw new AssertionError("interrupted while waiting for the forked processes", e);
    } catch (ExecutionException e) {
      throw new AssertionError("cannot wait for the forked processes of '" + flow.name() + "'", e.getCause());
    }
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
