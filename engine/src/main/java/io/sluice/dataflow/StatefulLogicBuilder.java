package io.sluice.dataflow;

/** Builds the {@link StatefulLogic} for one key, fresh or from a snapshot. */
@FunctionalInterface
public interface StatefulLogicBuilder<K, V, W, S> {
  /**
   * @param key         the key this logic will serve
   * @param resumeState a snapshot from {@link StatefulLogic#snapshot()}, or {@code null} for a new key
   */
  StatefulLogic<V, W, S> build(K key, S resumeState);
}
