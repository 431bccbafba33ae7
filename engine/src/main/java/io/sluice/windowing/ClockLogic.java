package io.sluice.windowing;

import java.time.Instant;

/**
 * The clock of one key (Bytewax's {@code ClockLogic}). All calls come from the worker that owns the
 * key, in order. Read "now" only through {@link io.sluice.time.RunClock#now()}.
 *
 * @param <V> the values the clock reads timestamps from
 */
public interface ClockLogic<V> {
  /** Called once before the items of one batch: a chance to read the current time once. */
  void beforeBatch();

  /**
   * The timestamp of {@code value}; afterwards {@link #watermark()} is the watermark after this
   * item. An item whose timestamp is before the watermark is late.
   */
  Instant onItem(V value);

  /** The watermark after the last {@link #onItem}; never before an earlier one. */
  Instant watermark();

  /** The current watermark when no item came (a timer fired). Never goes backwards. */
  Instant onNotify();

  /**
   * The watermark at the end of the input, usually {@link Instant#MAX} to close every window. Must
   * not change the state that {@link #snapshot()} returns.
   */
  Instant onEof();

  /**
   * The system time (as {@link io.sluice.time.RunClock#now()} reports it) at which the watermark
   * will have reached {@code timestamp} if no further item comes, or {@code null} if time passing
   * alone never gets there.
   */
  Instant toSystem(Instant timestamp);

  /**
   * Whether this clock holds nothing that lateness needs, so that a key with no open window may be
   * dropped and rebuilt later without changing which items are late. {@link SystemClock}: true;
   * {@link EventClock}: false (its watermark must survive its windows).
   */
  boolean isEmpty();

  /**
   * The state that rebuilds this clock via {@link Clock#build}: {@code null} or an immutable
   * record of JDK types. Must not hold absolute system time that would jump on resume.
   */
  Object snapshot();
}
