package io.sluice.inputs;

/**
 * Optional for a source partition: it decides where an epoch ends, in addition to the run's own
 * rules (the epoch interval, time advances, end of stream). The testkit's interactive source uses
 * it so that a test can say "everything pushed so far" and wait for exactly that epoch to complete
 * (see {@code RunningDataflow.completedEpoch()}). Ordinary sources do not need it.
 *
 * <p>Like the rest of a partition it is called on the partition's worker thread only, and must not
 * block.
 */
public interface EpochBoundary {
  /**
   * Asked right after every {@link StatelessSourcePartition#nextBatch()} that did not return
   * {@code null}: {@code true} closes the worker's open epoch, numbered {@code openEpoch}, right
   * after that batch (which may be empty), so the batch and everything this partition returned
   * before it belong to epoch {@code openEpoch} or an earlier one.
   *
   * @param openEpoch the epoch the batch just returned belongs to (epochs count up from 1 per run)
   */
  boolean closeEpochAfterBatch(long openEpoch);
}
