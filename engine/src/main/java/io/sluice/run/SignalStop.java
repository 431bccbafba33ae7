package io.sluice.run;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What the {@code sluice} command does on SIGTERM (what Kubernetes sends) and SIGINT (Ctrl-C): the
 * first one stops the run gracefully ({@link RunningDataflow#stop}: sources end, in-flight items
 * drain to the sinks, which are flushed and closed, the other processes of the cluster are told and
 * stop the same way, media driver directories are removed) and the command exits with
 * {@link Cli#EXIT_STOPPED}. If the run has not ended {@link #BOUND} later (a sink or step stuck in
 * user code), the worker states are printed and the process exits with {@link Cli#EXIT_FAILED}. A
 * second signal exits at once, without draining.
 *
 * <p>The JDK has no public API for catching a signal without shutting the JVM down; this uses
 * {@code sun.misc.Signal} from the {@code jdk.unsupported} module, which the JDK keeps for exactly
 * this use (a shutdown hook cannot let the run finish and then choose the exit code).
 */
final class SignalStop {
  /** How long a graceful stop may take before the process gives up on it. */
  static final Duration BOUND = Duration.ofSeconds(30);
  private final RunningDataflow run;
  private final PrintWriter err;
  private final AtomicBoolean signalled = new AtomicBoolean();
  private volatile String signal;

  private SignalStop(RunningDataflow run, PrintWriter err) {
    this.run = run;
    this.err = err;
  }

  /** Handles SIGTERM and SIGINT for this run (where the platform has them). */
  static SignalStop install(RunningDataflow run, PrintWriter err) {
    SignalStop s = new SignalStop(run, err);
    for (String name : new String[] {"TERM", "INT"}) {
      try {
        sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> s.onSignal("SIG" + sig.getName(), sig.getNumber()));
      } catch (IllegalArgumentException | UnsupportedOperationException e) {
        // no such signal here (or the JVM reserves it): the default behaviour stays
      }
    }
    return s;
  }

  /** The signal that stopped the run, or null. */
  String signal() {
    return signal;
  }

  private void onSignal(String name, int number) {
    if (!signalled.compareAndSet(false, true)) {
      err.println("sluice: second " + name + ": exiting now, without draining");
      err.flush();
      Runtime.getRuntime().halt(128 + number);
      return;
    }
    signal = name;
    err.println("sluice: " + name + ": stopping gracefully (sources end, in-flight items drain to the sinks; send it"
        + " again to exit at once)");
    err.flush();
    run.stop(name);
    Thread watchdog = new Thread(() -> {
      long deadline = System.nanoTime() + BOUND.toNanos();
      while (!run.isDone() && System.nanoTime() < deadline) {
        java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
      }
      if (!run.isDone()) {
        err.println("sluice: the graceful stop did not end within " + BOUND.toSeconds() + " s; worker state:");
        err.println(run.dumpState());
        err.flush();
        Runtime.getRuntime().halt(Cli.EXIT_FAILED);
      }
    }, "sluice-stop-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
  }
}
