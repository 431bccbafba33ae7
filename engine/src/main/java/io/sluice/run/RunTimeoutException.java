package io.sluice.run;

/** A run did not finish in time; the message holds every worker's state when it was stopped. */
public final class RunTimeoutException extends RuntimeException {
  private final String workerDump;

  public RunTimeoutException(String message, String workerDump) {
    super(message + "\n" + workerDump);
    this.workerDump = workerDump;
  }

  public String workerDump() {
    return workerDump;
  }
}
