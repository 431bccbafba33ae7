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
   * Stops the run early and gracefully, like a SIGTERM to a Flink or Kafka Streams job: every
   * source partition of this process ends at its next poll as if it had reached its end of stream
   * (so the run's last epoch closes as at a normal end), what is in flight drains through the
   * steps to the sinks, which are flushed and closed, and {@link #await()} returns the result as
   * for a normal end. In a cluster, the other processes are told and stop the same way. Returns at
   * once; idempotent. The default, for implementations without a graceful stop, cancels.
   *
   * @param reason why, for the log and the other processes (e.g. "SIGTERM")
   */
  default void stop(String reason) {
    cancel();
  }

  /** Why the run was stopped early ({@link #stop}, here or in a peer process), or null if it was not. */
  default String stopReason() {
    return null;
  }

  /**
   * What the run has done so far in this process, read without stopping it: per step and worker
   * counters, the run's state and epoch. Safe to call from any thread, during and after the run.
   */
  LiveStats liveStats();
}
