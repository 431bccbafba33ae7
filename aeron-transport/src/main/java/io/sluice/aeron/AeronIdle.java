package io.sluice.aeron;

import io.sluice.run.Backoff;
import io.sluice.run.IdleProfile;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

/**
 * Maps the run's {@link IdleProfile} to the Agrona idle strategies of the transport's poller thread
 * and of the embedded media driver (Aeron's shared threading mode: one thread for conductor, sender
 * and receiver).
 */
final class AeronIdle {
  private AeronIdle() {}

  static IdleStrategy of(Backoff b) {
    return new BackoffIdleStrategy(b.spins(), b.yields(), b.minPark().toNanos(), b.maxPark().toNanos());
  }

  /** The poller's idle strategy. */
  static IdleStrategy poller(IdleProfile profile) {
    return of(profile.transportPoller());
  }

  /** The media driver's idle strategy. */
  static IdleStrategy driver(IdleProfile profile) {
    return of(profile.mediaDriver());
  }
}
