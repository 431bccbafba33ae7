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

  /**
   * The newest epoch that is complete: every worker closed it, so every item its sources returned
   * in that epoch or an earlier one has been processed by every step, and the outputs, timers and
   * sink writes it caused have happened (with recovery: also written to the store). Epochs count
   * up from 1 in a fresh run (0: none complete yet); a finished worker has closed every epoch. In a
   * cluster without recovery no process knows this, and it stays at the epoch the run started
   * after. Safe to call from any thread.
   */
  default long completedEpoch() {
    throw new UnsupportedOperationException("completedEpoch is not supported by " + getClass().getName());
  }

  /**
   * Reads the state of one key of a stateful step: its logic's {@code StatefulLogic.snapshot()},
   * taken on the worker that owns the key, between two activations, so it never races the step.
   * The future holds an empty Optional when that worker holds no logic for the key (never seen,
   * discarded, or the snapshot was null); it fails if the snapshot threw or the worker is no
   * longer running. The snapshot object is handed over as the logic returned it: a logic that
   * returns its live mutable state should not be read while it keeps running.
   *
   * @throws IllegalArgumentException if the flow has no stateful step {@code stepId}, or the key
   *                                  has no routing form ({@code io.sluice.inputs.Routing})
   * @throws IllegalStateException    if another process owns the key
   */
  default java.util.concurrent.CompletableFuture<java.util.Optional<Object>> keyState(String stepId, Object key) {
    throw new UnsupportedOperationException("keyState is not supported by " + getClass().getName());
  }
}
