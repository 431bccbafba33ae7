package io.sluice.inputs;

import java.time.Instant;
import java.util.List;

/**
 * One partition of a source, polled by exactly one worker thread. Calls never overlap, so an
 * implementation needs no synchronization. It must never block: return what is ready.
 */
public interface StatelessSourcePartition<T> extends AutoCloseable {
  /**
   * The next batch of items: possibly empty when nothing is ready, or {@code null} once the
   * partition has ended (like {@link java.io.BufferedReader#readLine()}). The runtime owns the
   * returned list.
   */
  List<T> nextBatch();

  /**
   * When to call {@link #nextBatch()} next; {@code null} (the default) means as soon as the worker
   * gets to it.
   */
  default Instant nextAwake() {
    return null;
  }

  /** Releases resources; called once, on the same thread, after the partition ended or the run stopped. */
  @Override
  default void close() {}
}
