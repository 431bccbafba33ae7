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
  /** By the key's routing identity when it has one (byte[] keys by content), else by equals. */
  private final Map<Object, Entry<V>> entries = new HashMap<>();

  MapTtlCache(Function<? super K, ? extends V> getter, Duration ttl) {
    this.getter = getter;
    this.ttlNanos = ttl.compareTo(FOREVER) >= 0 ? Long.MAX_VALUE : ttl.toNanos();
  }

  @Override
  public V get(K key) {
    long now = toNanos(io.sluice.time.RunClock.now());
    Object id = identity(key);
    Entry<V> e = entries.get(id);
    if (e == null || (ttlNanos != Long.MAX_VALUE && now - e.loadedAtNanos >= ttlNanos)) {
      e = new Entry<>(getter.apply(key), now);
      entries.put(id, e);
    }
    return e.value;
  }

  private static long toNanos(java.time.Instant t) {
    return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
  }

  @Override
  public void remove(K key) {
    entries.remove(identity(key));
  }

  private static Object identity(Object key) {
    if (key == null) {
      return null; // HashMap allows it; the getter decides what a null key means
    }
    try {
      return io.sluice.inputs.Routing.identity(key);
    } catch (IllegalArgumentException noRoutingForm) {
      return key; // a cache key need not be routable: grouped by its equals
    }
  }
}
