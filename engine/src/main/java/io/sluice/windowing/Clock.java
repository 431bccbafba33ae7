package io.sluice.windowing;

import java.util.function.Function;

/**
 * A sense of time for the window operators (Bytewax's {@code Clock}): gives each item a timestamp
 * and each key a watermark. Built once per key by the window step, fresh or from the snapshot of a
 * previous {@link ClockLogic}. Implementations: {@link SystemClock}, {@link EventClock}.
 *
 * @param <V> the values the clock reads timestamps from
 */
@FunctionalInterface
public interface Clock<V> {
  /**
   * Builds the clock of one key.
   *
   * @param resumeState a value from {@link ClockLogic#snapshot()} of this kind of clock, or
   *                    {@code null} for a new key
   */
  ClockLogic<V> build(Object resumeState);

  /**
   * This clock read through {@code view}: a clock over {@code T} that gives each item the
   * timestamp this clock gives {@code view.apply(item)}. The snapshot is this clock's.
   */
  default <T> Clock<T> adapt(Function<? super T, ? extends V> view) {
    Clock<V> inner = this;
    return resume -> new ClockLogic<>() {
      private final ClockLogic<V> logic = inner.build(resume);

      @Override
      public void beforeBatch() {
        logic.beforeBatch();
      }

      @Override
      public java.time.Instant onItem(T value) {
        return logic.onItem(view.apply(value));
      }

      @Override
      public java.time.Instant watermark() {
        return logic.watermark();
      }

      @Override
      public java.time.Instant onNotify() {
        return logic.onNotify();
      }

      @Override
      public java.time.Instant onEof() {
        return logic.onEof();
      }

      @Override
      public java.time.Instant toSystem(java.time.Instant timestamp) {
        return logic.toSystem(timestamp);
      }

      @Override
      public boolean isEmpty() {
        return logic.isEmpty();
      }

      @Override
      public Object snapshot() {
        return logic.snapshot();
      }
    };
  }
}
