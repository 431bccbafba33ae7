package io.sluice.run;

import java.time.Duration;

/** A dataflow running on worker threads in this JVM. */
public interface RunningDataflow {
  /**
   * Waits for the run to finish.
   *
   * @throws StepFailedException if user code failed (the run is already stopped)
   */
  RunResult await();

  /**
   * Waits at most {@code timeout}; if the run has not finished by then it is stopped and a
   * {@link RunTimeoutException} carries a dump of every worker's state.
   */
  RunResult await(Duration timeout);

  /** A human-readable dump of each worker: its steps, what they wait on, queue depths. */
  String dumpState();

  /** Stops the run; {@link #await()} then throws {@link java.util.concurrent.CancellationException}. */
  void cancel();

  boolean isDone();

  /**
   * What the run has done so far in this process, read without stopping it: per step and worker
   * counters, the run's state and epoch. Safe to call from any thread, during and after the run.
   */
  LiveStats liveStats();
}
