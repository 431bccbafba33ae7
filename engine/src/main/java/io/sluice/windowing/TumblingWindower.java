package io.sluice.windowing;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Bytewax's {@code TumblingWindower}: back-to-back windows of {@code length}, one starting at
 * {@code alignTo}; each item belongs to exactly one. Window {@code n} covers
 * {@code [alignTo + n·length, alignTo + (n+1)·length)} (negative {@code n} before {@code alignTo}).
 * A window closes once the watermark reaches its close time.
 *
 * @param length  window length; positive (whole microseconds count)
 * @param alignTo an instant at which a window starts
 */
public record TumblingWindower(Duration length, Instant alignTo) implements Windower {
  public TumblingWindower {
    Objects.requireNonNull(length, "length");
    Objects.requireNonNull(alignTo, "alignTo");
    if (length.isNegative() || Times.floorMicros(length) == 0) {
      throw new IllegalArgumentException("tumbling window length must be at least 1 microsecond, got " + length);
    }
  }

  @Override
  public WindowerLogic build(Object resumeState) {
    return new SlidingWindower.Logic(length, length, alignTo, SlidingWindower.state(resumeState, "TumblingWindower"));
  }
}
