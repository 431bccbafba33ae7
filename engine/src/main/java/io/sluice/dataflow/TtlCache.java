package io.sluice.dataflow;

/**
 * A per-worker cache handed to the mapper of {@link Stream#enrichCached}. {@link #get} returns the
 * cached value, calling the step's getter on a miss or once the entry is older than the TTL.
 */
public interface TtlCache<K, V> {
  V get(K key);

  /** Forgets {@code key}; the next {@link #get} calls the getter again. */
  void remove(K key);
}
