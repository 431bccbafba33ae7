package io.sluice.windowing;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;

/** Saturating time arithmetic: windows use {@link Instant#MIN} and {@link Instant#MAX} as "never". */
final class Times {
  private Times() {}

  static Instant plus(Instant t, Duration d) {
    try {
      return t.plus(d);
    } catch (DateTimeException | ArithmeticException e) {
      return d.isNegative() ? Instant.MIN : Instant.MAX;
    }
  }

  static Instant minus(Instant t, Duration d) {
    try {
      return t.minus(d);
    } catch (DateTimeException | ArithmeticException e) {
      return d.isNegative() ? Instant.MAX : Instant.MIN;
    }
  }

  /** {@code b - a}; never overflows (an Instant's seconds fit a Duration). */
  static Duration between(Instant a, Instant b) {
    return Duration.between(a, b);
  }

  /** Whole microseconds of {@code d}, rounded towards negative infinity. */
  static long floorMicros(Duration d) {
    return Math.addExact(Math.multiplyExact(d.getSeconds(), 1_000_000L), d.getNano() / 1_000);
  }

  static Instant max(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }

  static Instant min(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }
}
