package io.sluice.dataflow;

import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;

/**
 * Per-key logic of {@link KeyedStream#statefulBatch}: one instance per key, on the one worker that
 * owns the key. All calls for a key happen on that worker's thread, in order; an instance never
 * needs synchronization. After every call the runtime reads {@link #notifyAt()} again.
 *
 * @param <V> input values
 * @param <W> output values (emitted with the same key)
 * @param <S> the snapshot type (the state needed to rebuild this logic)
 */
public interface StatefulLogic<V, W, S> {

  /** Handles the values that arrived for this key in one batch, in arrival order. */
  Retention onBatch(List<V> values, Consumer<? super W> out);

  /** Called once the time returned by {@link #notifyAt()} has passed. */
  default Retention onNotify(Consumer<? super W> out) {
    return Retention.RETAIN;
  }

  /** Called once when every upstream worker has reached the end of its input. */
  default Retention onEof(Consumer<? super W> out) {
    return Retention.RETAIN;
  }

  /** When to call {@link #onNotify} next, or {@code null} for never. */
  default Instant notifyAt() {
    return null;
  }

  /**
   * The state that rebuilds this logic when passed to its builder as resume state. Recovery
   * (snapshots at epoch boundaries) calls this; the runtime does not call it without recovery.
   */
  S snapshot();
}
