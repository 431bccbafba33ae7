package io.sluice.dataflow;

/** Sees each item of a stream with the worker that holds it and the item's epoch ({@link Stream#inspect}). */
@FunctionalInterface
public interface Inspector<T> {
  /**
   * Called once per item, on the worker thread that processes it.
   *
   * @param item   the item, passed on unchanged
   * @param worker the global index of the worker
   * @param epoch  the epoch the item belongs to (1, 2, ... as the source's epoch interval passes)
   */
  void inspect(T item, int worker, long epoch);
}
