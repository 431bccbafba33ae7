package io.sluice.dataflow;

import java.util.List;

/**
 * The function behind {@link Stream#flatMapBatch}: turns one batch of items into any number of
 * output items. The input list belongs to the runtime: read it, never modify or keep it.
 */
@FunctionalInterface
public interface BatchMapper<T, U> {
  /** Returns the output items for {@code batch}; a returned {@link List} is passed on as is. */
  Iterable<? extends U> apply(List<T> batch);
}
