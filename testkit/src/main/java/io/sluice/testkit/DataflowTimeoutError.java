package io.sluice.testkit;

import io.sluice.run.RunTimeoutException;

/**
 * A run did not finish within its timeout. It was stopped and its threads are gone (or the message
 * names the ones stuck in user code); the message holds each worker's state at the timeout: its
 * steps, what each waits on, and queue depths.
 */
public final class DataflowTimeoutError extends AssertionError {
  private final String workerDump;

  /** @param deployment {@code "2 processes × 4 workers"} for a cluster run (the engine's message names one process), else null */
  DataflowTimeoutError(RunTimeoutException cause, String deployment) {
    super(deployment == null ? cause.getMessage() : "[" + deployment + "] " + cause.getMessage(), cause);
    this.workerDump = cause.workerDump();
  }

  /** Each worker's state when the run was stopped. */
  public String workerDump() {
    return workerDump;
  }
}
