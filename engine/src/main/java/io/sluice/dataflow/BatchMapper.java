package io.sluice.dataflow;

import java.util.List;

/**
 * The function behind {@link Stream#flatMapBatch}: turns one batch of items into any number of
 * output items. The input list belongs to the runtime: read it, never modify or keep it.
 */
@FunctionalInterface
public interface BatchMapper<T, U> {
  /**
   * Returns the output items for {@code batch}. The runtime copies them before passing them on, so
   * a mapper may return (and later refill) the same list every time.
   */
  Iterable<? extends U> apply(List<T> batch);
}
