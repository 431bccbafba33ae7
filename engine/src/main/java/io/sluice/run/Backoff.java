package io.sluice.run;

import java.time.Duration;
import java.util.Objects;

/**
 * How a thread waits while it finds no work: it spins {@code spins} times, then yields its core
 * {@code yields} times, then parks, first for {@code minPark}, doubling on every further empty pass
 * up to {@code maxPark}. Any work resets it to spinning. These are the semantics of Agrona's
 * {@code BackoffIdleStrategy}, which the runtime uses; this type keeps Agrona out of Sluice's API.
 *
 * <p>What it costs: a spin or a yield burns CPU (a yield gives the core to another runnable thread,
 * if there is one); a park costs no CPU but lasts at least the kernel's timer slack (on Linux 50 µs
 * by default, about 76 µs measured on this project's machines), so a thread that has begun parking
 * answers new work that much later. See docs/PERFORMANCE.md, "Idle profiles".
 *
 * @param spins   empty passes that busy-spin before yielding (at least 0)
 * @param yields  empty passes that call {@link Thread#yield()} before parking (at least 0)
 * @param minPark the first park (at least 1 ns)
 * @param maxPark the longest park (at least {@code minPark}); how long an idle thread sleeps at a time
 */
public record Backoff(int spins, int yields, Duration minPark, Duration maxPark) {

  public Backoff {
    if (spins < 0) {
      throw new IllegalArgumentException("backoff spins must be at least 0, got " + spins);
    }
    if (yields < 0) {
      throw new IllegalArgumentException("backoff yields must be at least 0, got " + yields);
    }
    Objects.requireNonNull(minPark, "minPark");
    Objects.requireNonNull(maxPark, "maxPark");
    if (minPark.isNegative() || minPark.isZero()) {
      throw new IllegalArgumentException("backoff minPark must be positive, got " + minPark);
    }
    if (maxPark.compareTo(minPark) < 0) {
      throw new IllegalArgumentException("backoff maxPark (" + maxPark + ") must be at least minPark (" + minPark + ")");
    }
  }

  /** Parks of {@code minPark} up to {@code maxPark} after the given spins and yields. */
  public static Backoff of(int spins, int yields, Duration minPark, Duration maxPark) {
    return new Backoff(spins, yields, minPark, maxPark);
  }
}
