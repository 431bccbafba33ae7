package io.sluice.runtime;

import io.sluice.run.Backoff;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

/** Maps Sluice's {@link Backoff} to the Agrona idle strategy the workers run. */
final class IdleStrategies {
  private IdleStrategies() {}

  static IdleStrategy of(Backoff b) {
    return new BackoffIdleStrategy(b.spins(), b.yields(), b.minPark().toNanos(), b.maxPark().toNanos());
  }
}
