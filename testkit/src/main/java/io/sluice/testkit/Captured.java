package io.sluice.testkit;

/**
 * One item a {@link TestSink} received, with where and when it arrived.
 *
 * @param item     the item, as the output step wrote it
 * @param process  the process whose worker wrote it (0 in a one-process run)
 * @param worker   the global index of the worker that wrote it
 * @param stepId   the output step that wrote it
 * @param epoch    the epoch the item belongs to
 * @param sequence its arrival order at this sink over all workers, from 0 (a batch's items arrive
 *                 together, in the batch's order)
 * @param <T>      the item type
 */
public record Captured<T>(T item, int process, int worker, String stepId, long epoch, long sequence) {
  @Override
  public String toString() {
    return item + " (step '" + stepId + "', worker " + worker + ", process " + process + ", epoch " + epoch
        + ", #" + sequence + ")";
  }
}
