package io.sluice.dataflow;

/**
 * A key/value pair: the item type of a {@link KeyedStream}. Keyed steps route each pair to the
 * worker that owns its key ({@link io.sluice.inputs.Routing#workerFor(Object, int)}).
 *
 * @param key   the key; never null
 * @param value the value
 */
public record KV<K, V>(K key, V value) implements java.io.Serializable {
  public KV {
    if (key == null) {
      throw new NullPointerException("a KV's key must not be null: give every item a non-null key (e.g. a placeholder"
          + " such as \"<none>\" for items without one), or filter such items out before keying them");
    }
  }

  /** Equal when both keys and both values are equal (as a record's generated {@code equals}). */
  @Override
  public boolean equals(Object o) {
    return o instanceof KV<?, ?> other && key.equals(other.key) && java.util.Objects.equals(value, other.value);
  }

  /** {@code 31 * key.hashCode() + Objects.hashCode(value)}: what a record's generated {@code hashCode} returns. */
  @Override
  public int hashCode() {
    return 31 * key.hashCode() + java.util.Objects.hashCode(value);
  }

  /** Shorthand for {@code new KV<>(key, value)}. */
  public static <K, V> KV<K, V> of(K key, V value) {
    return new KV<>(key, value);
  }
}
