package io.sluice.dataflow;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/** A worker's cache for {@link Stream#enrichCached}; used by one thread only. Ages on the run's clock ({@link io.sluice.time.RunClock}). */
final class MapTtlCache<K, V> implements TtlCache<K, V> {
  static final Duration FOREVER = Duration.ofNanos(Long.MAX_VALUE);

  private record Entry<V>(V value, long loadedAtNanos) {}

  private final Function<? super K, ? extends V> getter;
  private final long ttlNanos;
  private final Map<K, Entry<V>> entries = new HashMap<>();

  MapTtlCache(Function<? super K, ? extends V> getter, Duration ttl) {
    this.getter = getter;
    this.ttlNanos = ttl.compareTo(FOREVER) >= 0 ? Long.MAX_VALUE : ttl.toNanos();
  }

  @Override
  public V get(K key) {
    long now = toNanos(io.sluice.time.RunClock.now());
    Entry<V> e = entries.get(key);
    if (e == null || (ttlNanos != Long.MAX_VALUE && now - e.loadedAtNanos >= ttlNanos)) {
      e = new Entry<>(getter.apply(key), now);
      entries.put(key, e);
    }
    return e.value;
  }

  private static long toNanos(java.time.Instant t) {
    return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
  }

  @Override
  public void remove(K key) {
    entries.remove(key);
  }
}
