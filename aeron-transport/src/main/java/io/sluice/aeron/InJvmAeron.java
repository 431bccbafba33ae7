package io.sluice.aeron;

import io.aeron.Aeron;
import io.aeron.driver.MediaDriver;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;

/**
 * Aeron settings for the processes of an in-JVM cluster ({@link LocalCluster}: the JVM's shared
 * media driver and one Aeron client per process and run). A test's cluster run lasts tens of
 * milliseconds, so the driver commands of its start (a subscription or publication per stream and
 * peer) and its clients' close are most of it; Aeron's defaults are tuned for long-lived
 * processes, where these are rare. Measured (docs/PERFORMANCE.md, "Cold start", 2026-11-30): each
 * command took 2–10 ms, the close of each client up to 16 ms, and a warm 2 × 2 cluster run's median
 * fell from about 38 ms to about 15 ms with the first three settings below, and to about 8 ms with
 * the shared driver freeing ended runs' resources sooner. Real processes (the CLI,
 * forked JVMs) keep Aeron's defaults.
 */
final class InJvmAeron {
  private InJvmAeron() {}

  /**
   * The client's wait for the driver's answer to a command: spin, yield, then park up to 0.1 ms,
   * instead of Aeron's 1 ms sleeps; used only while a command is outstanding.
   */
  private static final long AWAIT_MAX_PARK_NS = 100_000;

  /** How long a closed publication lingers (Aeron's default: 5 s). */
  static final long PUBLICATION_LINGER_NS = TimeUnit.MILLISECONDS.toNanos(100);
  /** The receivers' status message interval when nothing changes (Aeron's default: 200 ms). */
  static final long STATUS_MESSAGE_TIMEOUT_NS = TimeUnit.MILLISECONDS.toNanos(20);
  /** The driver conductor's timer: when it checks timeouts and frees ended resources (Aeron's default: 1 s). */
  static final long TIMER_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(50);
  /** How long a freed counter waits before it is reused (Aeron's default: 1 s). */
  static final long COUNTER_REUSE_NS = TimeUnit.MILLISECONDS.toNanos(10);

  /**
   * The JVM's shared driver for in-JVM clusters.
   *
   * <p>It resolves endpoint names on its conductor thread, not on Aeron's separate executor thread
   * (Aeron 1.51's default): each subscription and publication otherwise goes conductor → executor →
   * conductor, and the executor sleeps 1 ms between polls. The in-JVM cluster's endpoints are
   * loopback addresses, whose resolution does not block.
   *
   * <p>It frees what a finished run leaves behind within about 0.2 s instead of 1–2 s. Every run
   * adds a publication and an image per stream and peer (4 each for 2 processes). With Aeron's
   * defaults the conductor frees them only on its timer, once a second: a closed publication once
   * its receiver has signalled end of stream (or after a 5 s linger), an image after draining for 5
   * status-message intervals (1 s); and a freed counter is not reused for 1 s, so finding a free one
   * walks every counter freed in the last second. At one run every ~10 ms the driver held 400–550
   * publications and 700–850 images, walked on each of its duty cycles. With the four settings
   * below it holds 30–50 and 60–110, and a warm 2 × 2 run's CPU fell from about 21 ms to about 12 ms
   * (docs/PERFORMANCE.md, "Cold start"). A process closes its publications only after its own
   * workers have received every batch they were sent and every peer has said FINISHED after its
   * workers did the same, so nothing is asked of a closed publication; status messages every 20 ms
   * cost nothing measurable for a run's few streams. Real processes keep Aeron's defaults.
   */
  static MediaDriver.Context driver(MediaDriver.Context ctx) {
    return ctx.asyncExecutorEnabled(false)
        .publicationLingerTimeoutNs(PUBLICATION_LINGER_NS)
        .statusMessageTimeoutNs(STATUS_MESSAGE_TIMEOUT_NS)
        .timerIntervalNs(TIMER_INTERVAL_NS)
        .counterFreeToReuseTimeoutNs(COUNTER_REUSE_NS);
  }

  /**
   * The client of one process of an in-JVM cluster: waits for command answers without 1 ms sleeps,
   * and its conductor thread sleeps 1 ms when idle instead of 16 ms, so that closing the client
   * (which waits for that thread to end) takes at most about 1 ms instead of up to 16 ms. The
   * client lives only for the run.
   */
  static Aeron.Context client(Aeron.Context ctx) {
    return ctx.awaitingIdleStrategy(new BackoffIdleStrategy(10, 20, 1_000, AWAIT_MAX_PARK_NS))
        .idleStrategy(new SleepingMillisIdleStrategy(1));
  }
}
