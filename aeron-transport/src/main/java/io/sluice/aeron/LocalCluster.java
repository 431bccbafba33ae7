package io.sluice.aeron;

import io.sluice.dataflow.Dataflow;
import io.sluice.run.RunConfig;
import io.sluice.run.RunResult;
import io.sluice.run.RunTimeoutException;
import io.sluice.run.RunningDataflow;
import io.sluice.run.Sluice;
import io.sluice.run.StepFailedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;

/**
 * Runs one dataflow as a cluster of processes inside this JVM: each "process" is a separate engine
 * instance with its own Aeron client, streams and UDP port on loopback, so items really cross the
 * transport and the serde. The processes share one media driver per JVM (unless the configuration
 * names its own transport), launched at the first run and closed when the JVM exits, so a run does
 * not pay a driver start and stop per process. The processes of a run prove their membership to
 * each other with a secret generated for that run ({@link ClusterSecret}). For tests: the real thing short of separate JVMs.
 *
 * <p>A process that fails before the cluster is joined (its flow fails validation, a source cannot
 * list its partitions, its transport cannot start) fails the whole run at once: the other processes
 * stop joining instead of waiting for it until their connect timeout ({@link JoinBarrier}), and
 * {@link #run} throws that process's own error.
 */
public final class LocalCluster {
  private LocalCluster() {}

  /**
   * How long the call waits, in all, for the processes to end once one has ended or failed, or
   * once they were stopped at the timeout: 30 s.
   */
  private static final long OTHERS_NANOS = TimeUnit.SECONDS.toNanos(30);

  /**
   * Every process of an in-JVM cluster talks through this JVM's one shared media driver, proves
   * its membership with a secret generated for the run, and joins through the run's barrier.
   */
  private static io.sluice.transport.TransportFactory sharedDriverTransport(ClusterSecret secret, JoinBarrier barrier) {
    return () -> new AeronTransport(AeronTransport.Settings.fromSystemProperties().withSharedDriver().withSecret(secret),
        barrier);
  }

  /** What every process of a cluster run returned. */
  public record Result(List<RunResult> perProcess) {
    /** Statistics of all workers of all processes. */
    public RunResult merged() {
      return RunResult.merge(perProcess);
    }
  }

  /**
   * Runs {@code flowOfProcess.apply(p)} as process {@code p} of {@code processes}, with
   * {@code config}'s workers per process, waiting at most {@code timeout}. Every process's flow
   * is built ({@code flowOfProcess}, on the calling thread) before any process starts, so a
   * supplier that throws fails the call with its own exception and starts nothing. A process that
   * fails before the cluster is joined makes the others stop joining at once (unless
   * {@code config} names its own transport), and its error is the one thrown. At the timeout, or
   * when the calling thread is interrupted, every process is stopped, those still joining too.
   *
   * @throws StepFailedException  if user code failed in any process (the user's error, not the
   *                              "process N failed" the others report)
   * @throws RunTimeoutException  if the cluster did not finish in time (with the worker dump)
   * @throws RuntimeException     what a process threw that failed before the cluster was joined
   *                              (e.g. {@link io.sluice.dataflow.FlowValidationException}), or
   *                              what {@code flowOfProcess} threw
   */
  public static Result run(int processes, RunConfig config, IntFunction<Dataflow> flowOfProcess, Duration timeout) {
    if (processes < 2) {
      throw new IllegalArgumentException("a cluster needs at least 2 processes, got " + processes);
    }
    List<String> addresses = freeLoopbackAddresses(processes);
    ClusterSecret secret = ClusterSecret.generate();
    // every process adds its subscriptions before any adds a publication, and a process that
    // fails before joining releases the others at once (see JoinBarrier)
    JoinBarrier barrier = new JoinBarrier(processes);
    // all flows first: a supplier that throws leaves no process waiting for the one that never comes
    List<Dataflow> flows = new ArrayList<>();
    for (int p = 0; p < processes; p++) {
      flows.add(flowOfProcess.apply(p));
    }
    String flowName = flows.get(0).name();
    List<CompletableFuture<RunResult>> runs = new ArrayList<>();
    java.util.concurrent.atomic.AtomicReferenceArray<RunningDataflow> started =
        new java.util.concurrent.atomic.AtomicReferenceArray<>(processes);
    // set when the caller gives up (timeout, interrupt): a process whose start returns later stops at once
    java.util.concurrent.atomic.AtomicBoolean abandoned = new java.util.concurrent.atomic.AtomicBoolean();
    for (int p = 0; p < processes; p++) {
      int pid = p;
      RunConfig cfg = config.transport() == null
          ? config.withCluster(pid, addresses).withTransport(sharedDriverTransport(secret, barrier))
          : config.withCluster(pid, addresses);
      Dataflow flow = flows.get(pid);
      CompletableFuture<RunResult> run = CompletableFuture.supplyAsync(() -> {
        RunningDataflow running = Sluice.start(flow, cfg);
        started.set(pid, running);
        if (abandoned.get()) {
          running.cancel(); // the caller gave up while this process was joining: nobody would stop it
        }
        return running.await();
      }, runnerThread(pid));
      // a process that failed before its transport started (validation, listing partitions) never
      // joins: the others must not wait for it (after the join, the barrier is no longer read)
      run.whenComplete((result, failure) -> {
        if (failure != null) {
          barrier.fail(pid, failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
              ? failure.getCause() : failure);
        }
      });
      runs.add(run);
    }
    try {
      CompletableFuture.allOf(runs.toArray(new CompletableFuture<?>[0])).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      // a process failed: the others stop too; their outcomes are read below
    } catch (TimeoutException e) {
      abandon(abandoned, barrier, new RunTimeoutException("the cluster run did not finish within " + timeout, ""));
      throw timedOut(flowName + "' on " + processes + " processes \u00d7 " + config.workersPerProcess()
          + (config.workersPerProcess() == 1 ? " worker" : " workers"), timeout, started, runs);
    } catch (InterruptedException e) {
      // as at a timeout, nobody will wait for the processes any more: stop them (cancel returns at once),
      // those still joining too
      abandon(abandoned, barrier, new java.util.concurrent.CancellationException("the caller of the cluster run was"
          + " interrupted"));
      for (int p = 0; p < started.length(); p++) {
        RunningDataflow run = started.get(p);
        if (run != null) {
          run.cancel();
        }
      }
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the cluster; every process was stopped", e);
    }
    List<RunResult> results = new ArrayList<>();
    RuntimeException first = null;
    int firstFrom = -1;
    long othersDeadline = System.nanoTime() + OTHERS_NANOS; // one bound for all processes, not one each
    for (int p = 0; p < runs.size(); p++) {
      CompletableFuture<RunResult> r = runs.get(p);
      RuntimeException failed = null;
      try {
        results.add(r.get(Math.max(0, othersDeadline - System.nanoTime()), TimeUnit.NANOSECONDS));
      } catch (ExecutionException e) {
        failed = e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
      } catch (TimeoutException e) {
        failed = new IllegalStateException("a process did not end within 30 s of the others");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the cluster", e);
      }
      // a transport of the configuration's own does not use the barrier: nothing to learn from it
      JoinBarrier.Failure joinFailure = config.transport() == null ? barrier.failure() : null;
      if (failed != null && (first == null || moreTelling(failed, p, first, firstFrom, joinFailure))) {
        first = failed;
        firstFrom = p;
      }
    }
    if (first != null) {
      throw first;
    }
    return new Result(results);
  }

  /**
   * The caller gives up on the run (timeout, interrupt): processes still joining leave the barrier
   * at once, and a process whose start returns from now on cancels itself; the caller cancels those
   * started already. Without this, processes still joining went on to run the flow with nobody to stop them.
   */
  private static void abandon(java.util.concurrent.atomic.AtomicBoolean abandoned, JoinBarrier barrier, Throwable why) {
    abandoned.set(true);
    barrier.abandon(why);
  }

  /**
   * The cluster did not finish in time ({@code flowAndShape}: {@code name' on 2 processes × 4 workers}): takes the state of every worker of every process first
   * (before stopping one makes the others fail), then stops them all.
   */
  private static RunTimeoutException timedOut(String flowAndShape, Duration timeout,
      java.util.concurrent.atomic.AtomicReferenceArray<RunningDataflow> started, List<CompletableFuture<RunResult>> runs) {
    StringBuilder dump = new StringBuilder();
    for (int p = 0; p < started.length(); p++) {
      RunningDataflow run = started.get(p);
      dump.append("process ").append(p).append(":\n")
          .append(run == null ? "  (still joining the cluster)\n" : run.dumpState());
    }
    for (int p = 0; p < started.length(); p++) {
      RunningDataflow run = started.get(p);
      if (run != null) {
        run.cancel();
      }
    }
    List<String> stuck = new ArrayList<>();
    long stopDeadline = System.nanoTime() + OTHERS_NANOS; // one bound for all processes, not one each
    for (int p = 0; p < runs.size(); p++) {
      try {
        runs.get(p).get(Math.max(0, stopDeadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        stuck.add("process " + p);
      } catch (ExecutionException | java.util.concurrent.CancellationException e) {
        String m = e.getCause() != null ? e.getCause().getMessage() : e.getMessage();
        if (m != null && m.contains("threads still inside user code")) {
          stuck.add("process " + p + ": " + m.substring(m.indexOf("threads still inside user code")));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return new RunTimeoutException("dataflow '" + flowAndShape + " did not finish"
        + " within " + timeout + "; every process was stopped" + (stuck.isEmpty() ? "" : " (still running: "
            + stuck + ")")
        + ". Worker state of every process at the timeout:", dump.toString());
  }

  /**
   * Whether {@code b} (of process {@code bFrom}) tells more than {@code a} (of {@code aFrom}): the
   * user's own failure beats a timeout, which beats a peer's report of it; between equals, the
   * error of the process that failed before it joined the cluster ({@code joinFailure}) beats the
   * others' "process N failed", then the lower process id.
   */
  private static boolean moreTelling(RuntimeException b, int bFrom, RuntimeException a, int aFrom,
      JoinBarrier.Failure joinFailure) {
    if (rank(b) != rank(a)) {
      return rank(b) > rank(a);
    }
    int origin = joinFailure != null && !joinFailure.joined() ? joinFailure.process() : -1;
    return bFrom == origin && aFrom != origin;
  }

  private static int rank(RuntimeException e) {
    if (e instanceof StepFailedException) {
      return 3;
    }
    if (e instanceof RunTimeoutException) {
      return 2;
    }
    return 1;
  }

  /** Runs a process of the cluster on a thread of its own (never a shared pool, which may have one thread on 2 cores). */
  static java.util.concurrent.Executor runnerThread(int pid) {
    return task -> {
      Thread t = new Thread(task, "sluice-local-cluster-process-" + pid);
      t.setDaemon(true);
      t.start();
    };
  }

  /**
   * {@code n} loopback addresses with ports that were free a moment ago. The ports are taken below
   * the system's ephemeral port range, so that the sockets Aeron itself binds to any free port (a
   * publication's sending end, for one) cannot take one of them between this call and the process
   * binding it; outside Linux, or when that range leaves no room, any free port.
   */
  public static List<String> freeLoopbackAddresses(int n) {
    List<String> out = new ArrayList<>();
    List<DatagramSocket> held = new ArrayList<>();
    int below = firstEphemeralPort();
    java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
    try {
      for (int i = 0; i < n; i++) {
        DatagramSocket s = null;
        for (int attempt = 0; attempt < 50 && s == null && below > LOWEST_PORT + 1000; attempt++) {
          try {
            s = new DatagramSocket(random.nextInt(LOWEST_PORT, below), InetAddress.getLoopbackAddress());
          } catch (java.net.SocketException taken) {
            s = null; // in use: try another
          }
        }
        if (s == null) {
          s = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        }
        held.add(s);
        out.add("localhost:" + s.getLocalPort());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find free UDP ports on loopback", e);
    } finally {
      held.forEach(DatagramSocket::close);
    }
    return out;
  }

  private static final int LOWEST_PORT = 10_000;

  /** The low end of Linux's ephemeral port range, or 0 where it cannot be read. */
  private static int firstEphemeralPort() {
    try {
      String range = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/net/ipv4/ip_local_port_range"));
      return Integer.parseInt(range.trim().split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }
}
