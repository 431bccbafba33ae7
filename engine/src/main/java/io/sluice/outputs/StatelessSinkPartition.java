package io.sluice.outputs;

import java.util.List;

/** One partition of a sink, written by exactly one worker thread; calls never overlap. */
public interface StatelessSinkPartition<T> extends AutoCloseable {
  /** Writes a batch. The list belongs to the runtime: do not modify or keep it. */
  void writeBatch(List<T> items);

  /** Flushes and releases resources; called once when the input ended or the run stopped. */
  @Override
  default void close() {}
}
