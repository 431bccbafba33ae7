package io.sluice.outputs;

import java.util.List;

/** One partition of a sink, written by exactly one worker thread; calls never overlap. */
public interface StatelessSinkPartition<T> extends AutoCloseable {
  /** Writes a batch. The list belongs to the runtime: do not modify or keep it. */
  void writeBatch(List<T> items);

  /**
   * Writes a batch whose items belong to {@code epoch}. The runtime calls this one; the default
   * ignores the epoch. Sinks that record provenance (the testkit's) override it.
   */
  default void writeBatch(List<T> items, long epoch) {
    writeBatch(items);
  }

  /** Flushes and releases resources; called once when the input ended or the run stopped. */
  @Override
  default void close() {}
}
