package io.sluice.aeron;

import io.aeron.Aeron;
import io.aeron.driver.MediaDriver;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * When a peer counts as lost, and what the message says.
 *
 * <p>Aeron carries the heartbeats: a publication with nothing to send still sends one at least
 * every 100 ms, and a receiver drops a peer's image after {@link AeronTransport.Settings#peerTimeout()}
 * without any (the driver's image liveness timeout). The same timeout bounds the driver's own
 * client and driver keep-alives here, so that a pause of the whole JVM shorter than the peer
 * timeout (a long GC pause, a SIGSTOP) does not make Aeron close this process's own client.
 *
 * <p>The default peer timeout is 30 s: long enough for a production JVM's worst GC pauses (Flink's
 * heartbeat timeout is 50 s), short enough that a killed peer is noticed within a minute. A lost
 * peer's message says which side went silent: this process itself, when its receiving thread saw a
 * gap in its own running of at least the timeout shortly before (it was paused, and the peers most
 * likely dropped it), or the peer otherwise.
 */
final class Liveness {
  private final Duration peerTimeout;
  private long lastTickNanos = System.nanoTime();
  private volatile long pauseNanos;
  private volatile long pauseEndNanos;

  Liveness(Duration peerTimeout) {
    this.peerTimeout = peerTimeout;
  }

  /** Called by the receiving thread at every turn: notices when this whole process was paused. */
  void tick() {
    long now = System.nanoTime();
    long gap = now - lastTickNanos;
    lastTickNanos = now;
    if (gap >= peerTimeout.toNanos()) {
      pauseNanos = gap;
      pauseEndNanos = now;
    }
  }

  /** The error for a peer whose image went away before it finished. */
  String lostPeer(int me, int peer, String address) {
    long paused = pauseNanos;
    boolean recent = paused > 0 && System.nanoTime() - pauseEndNanos < 2 * peerTimeout.toNanos();
    String timeout = peerTimeout.toMillis() + " ms (" + AeronTransport.Settings.PEER_TIMEOUT_PROPERTY + ")";
    if (recent) {
      return "lost process " + peer + " (" + address + "): this process (" + me + ") itself was silent for "
          + TimeUnit.NANOSECONDS.toMillis(paused) + " ms (paused: a long GC pause or SIGSTOP?), at least the peer"
          + " timeout of " + timeout + ", so the cluster most likely dropped it";
    }
    return "lost process " + peer + " (" + address + "): it was silent for longer than the peer timeout of " + timeout
        + " before it finished (killed, paused or cut off from this process)";
  }

  /** Applies the liveness settings to a media driver. */
  static MediaDriver.Context apply(MediaDriver.Context ctx, Duration peerTimeout) {
    long ns = peerTimeout.toNanos();
    return ctx.imageLivenessTimeoutNs(ns)
        .publicationConnectionTimeoutNs(ns)
        .clientLivenessTimeoutNs(Math.max(ns, TimeUnit.SECONDS.toNanos(10)))
        // Aeron requires the unblock timeout to exceed the client liveness timeout
        .publicationUnblockTimeoutNs(Math.max(ns, TimeUnit.SECONDS.toNanos(10)) + TimeUnit.SECONDS.toNanos(5));
  }

  /** Applies the liveness settings to a client of the media driver. */
  static Aeron.Context apply(Aeron.Context ctx, Duration peerTimeout) {
    return ctx.driverTimeoutMs(Math.max(peerTimeout.toMillis(), 10_000));
  }
}
