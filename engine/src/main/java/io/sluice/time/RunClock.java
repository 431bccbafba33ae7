package io.sluice.time;

import java.time.Instant;
import java.time.InstantSource;

/**
 * The run's time, as seen by code running on a worker: the one place step code, sources, stateful
 * logic and windows read "now" (never the JDK's clocks directly), so that tests can make time virtual.
 *
 * <p>On a worker thread, {@link #now()} is the run's time source ({@code RunConfig.clock()}, the
 * system clock by default) or, when the run uses virtual time ({@code RunConfig.withVirtualTime}),
 * the virtual time of the step instance running now: it moves only when every input of the step
 * has passed a time advance (a source partition's {@code nextAwake}, a test script's
 * {@code advance}), carried as progress markers behind the data, so timers, window closes and
 * timeouts fire at the same points in every run and at every worker count. Off a worker thread
 * (e.g. a unit test calling a logic directly) it is the system clock.
 *
 * <p>Precision: milliseconds under virtual time (progress markers carry ms since the epoch).
 */
public final class RunClock {
  private static final ThreadLocal<InstantSource> CURRENT = new ThreadLocal<>();
  private static final InstantSource SYSTEM = InstantSource.system();

  private RunClock() {}

  /** The current time for the code running on this thread (see the class comment). */
  public static Instant now() {
    InstantSource s = CURRENT.get();
    return s == null ? SYSTEM.instant() : s.instant();
  }

  /** Runtime use: makes {@code source} this thread's time; null restores the system clock. */
  public static void bind(InstantSource source) {
    if (source == null) {
      CURRENT.remove();
    } else {
      CURRENT.set(source);
    }
  }
}
