package io.sluice.testkit;

/**
 * Thrown by a {@link TestSource} partition when its script reaches an abort marker
 * ({@link Script#abort()}): the run stops as if the process had crashed, and the run fails with a
 * {@link io.sluice.run.StepFailedException} whose cause is this exception.
 */
public final class SourceAbortedException extends RuntimeException {
  private final String partition;
  private final long itemsBefore;

  SourceAbortedException(String partition, long itemsBefore) {
    super("scripted abort in test source partition '" + partition + "' after " + itemsBefore + " items");
    this.partition = partition;
    this.itemsBefore = itemsBefore;
  }

  /** The partition whose script aborted. */
  public String partition() {
    return partition;
  }

  /** How many items the partition had emitted before the abort. */
  public long itemsBefore() {
    return itemsBefore;
  }
}
