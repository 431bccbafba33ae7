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

  /**
   * Whether the worker may call {@link #nextBatch()} again right after a non-empty batch, in the
   * same activation, and pass what the calls return downstream as one batch of up to 256 items
   * (read-ahead). Off by default, because batches are visible downstream as Bytewax's are: a
   * {@code flatMapBatch} mapper, a {@code statefulBatch} logic and the joins see each batch the
   * source returned, and tests choose batch sizes to fix an interleaving. Turn it on for a partition
   * that hands out few items per call while more are ready (a queue or socket read one message at a
   * time) when the flow does not depend on where batches end: the worker then makes one pass
   * through the flow per group of ready items instead of one per item, which is what lets one worker
   * keep up with 1 M single-item batches per second (docs/PERFORMANCE.md, "Read-ahead"). Read-ahead
   * stops at an empty batch, at the partition's end, when {@link #nextAwake()} asks for a later
   * call, and where the partition marks an epoch end ({@link EpochBoundary}); items keep their
   * order. A partition whose call right after a non-empty batch waits must not turn it on: the
   * items already read would wait too. Asked once, when the partition is built.
   */
  default boolean readAhead() {
    return false;
  }

  /** Releases resources; called once, on the same thread, after the partition ended or the run stopped. */
  @Override
  default void close() {}
}
