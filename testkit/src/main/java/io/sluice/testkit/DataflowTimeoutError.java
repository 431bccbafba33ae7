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
    super(deployment == null ? cause.getMessage() : "[" + deployment + "] " + cause.getMessage(), withoutDump(cause));
    this.workerDump = cause.workerDump();
  }

  /**
   * The engine's exception with its first line only, and its stack trace: the worker dump is in
   * this error's message already (and in {@link #workerDump()}), and a CI log would otherwise print
   * it once more under "Caused by".
   */
  private static RunTimeoutException withoutDump(RunTimeoutException cause) {
    String message = cause.getMessage();
    String dump = cause.workerDump();
    if (dump == null || dump.isEmpty() || !message.endsWith("\n" + dump)) {
      return cause;
    }
    RunTimeoutException headline = new RunTimeoutException(
        message.substring(0, message.length() - dump.length() - 1) + " see above", "");
    headline.setStackTrace(cause.getStackTrace());
    return headline;
  }

  /** Each worker's state when the run was stopped. */
  public String workerDump() {
    return workerDump;
  }
}
