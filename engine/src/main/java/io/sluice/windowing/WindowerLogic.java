package io.sluice.windowing;

import java.time.Instant;
import java.util.List;

/**
 * The windows of one key (Bytewax's {@code WindowerLogic}). All calls come from the worker that
 * owns the key, in order. Times here are event times, as the key's {@link ClockLogic} gives them.
 */
public interface WindowerLogic {
  /** A merge of window {@code original} into window {@code target}. */
  record Merge(long original, long target) {}

  /**
   * The windows an on-time item with {@code timestamp} belongs to; opens them if needed. Never
   * returns a window already returned by {@link #closeFor}.
   */
  List<Long> openFor(Instant timestamp);

  /** The windows a late item with {@code timestamp} would have belonged to; changes nothing. */
  List<Long> lateFor(Instant timestamp);

  /** The merges since the last call, in the order they happened (each reported once). */
  List<Merge> merged();

  /**
   * Closes and returns the windows that {@code watermark} has passed, with their final metadata,
   * in ascending id order. {@code watermark} never goes backwards between calls.
   */
  List<Windowed<WindowMetadata>> closeFor(Instant watermark);

  /** The event time at which the next window could close, or {@code null} if none is open. */
  Instant notifyAt();

  /**
   * Whether nothing needs keeping: the key may then be dropped and rebuilt fresh (with no
   * resume state) if its clock is also empty. Session windowers never are (their ids count up).
   */
  boolean isEmpty();

  /** The state that rebuilds this windower via {@link Windower#build}: a record of JDK types. */
  Object snapshot();
}
