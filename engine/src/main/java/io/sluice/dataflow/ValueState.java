package io.sluice.dataflow;

/**
 * One key's state in {@link KeyedStream#statefulMap} and {@link KeyedStream#statefulFlatMap}.
 * Valid only during the call it is passed to.
 */
public interface ValueState<S> {
  /** The current state, or {@code null} if the key has none. */
  S get();

  /** The current state, or {@code fallback} if the key has none. */
  default S getOrDefault(S fallback) {
    S s = get();
    return s == null ? fallback : s;
  }

  /** Replaces the state; {@code null} is the same as {@link #clear()}. */
  void set(S state);

  /** Drops the key's state. */
  void clear();
}
