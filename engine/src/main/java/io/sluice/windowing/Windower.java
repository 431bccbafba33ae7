package io.sluice.windowing;

import java.time.Duration;
import java.time.Instant;

/**
 * A kind of window (Bytewax's {@code Windower}): says which windows an item belongs to and when
 * they close. Built once per key by the window step. Implementations: {@link TumblingWindower},
 * {@link SlidingWindower}, {@link SessionWindower}.
 */
@FunctionalInterface
public interface Windower {
  /**
   * Builds the windower of one key.
   *
   * @param resumeState a value from {@link WindowerLogic#snapshot()} of this kind of windower, or
   *                    {@code null} for a new key
   */
  WindowerLogic build(Object resumeState);

  /** {@link TumblingWindower}: back-to-back windows of {@code length}, one starting at {@code alignTo}. */
  static TumblingWindower tumbling(Duration length, Instant alignTo) {
    return new TumblingWindower(length, alignTo);
  }

  /** {@link SlidingWindower}: windows of {@code length} starting every {@code offset}, one at {@code alignTo}. */
  static SlidingWindower sliding(Duration length, Duration offset, Instant alignTo) {
    return new SlidingWindower(length, offset, alignTo);
  }

  /** {@link SessionWindower}: windows that close after {@code gap} without items. */
  static SessionWindower session(Duration gap) {
    return new SessionWindower(gap);
  }
}
