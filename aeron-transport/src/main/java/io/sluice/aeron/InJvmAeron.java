package io.sluice.aeron;

import io.aeron.Aeron;
import io.aeron.driver.MediaDriver;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;

/**
 * Aeron settings for the processes of an in-JVM cluster ({@link LocalCluster}: the JVM's shared
 * media driver and one Aeron client per process and run). A test's cluster run lasts tens of
 * milliseconds, so the driver commands of its start (a subscription or publication per stream and
 * peer) and its clients' close are most of it; Aeron's defaults are tuned for long-lived
 * processes, where these are rare. Measured (docs/PERFORMANCE.md, "Cold start", 2026-11-30): each
 * command took 2–10 ms, the close of each client up to 16 ms, and a warm 2 × 2 cluster run's median
 * fell from about 38 ms to about 15 ms with the three settings below. Real processes (the CLI,
 * forked JVMs) keep Aeron's defaults.
 */
final class InJvmAeron {
  private InJvmAeron() {}

  /**
   * The client's wait for the driver's answer to a command: spin, yield, then park up to 0.1 ms,
   * instead of Aeron's 1 ms sleeps; used only while a command is outstanding.
   */
  private static final long AWAIT_MAX_PARK_NS = 100_000;

  /**
   * The shared driver resolves endpoint names on its conductor thread, not on Aeron's separate
   * executor thread (Aeron 1.51's default): each subscription and publication otherwise goes
   * conductor → executor → conductor, and the executor sleeps 1 ms between polls. The in-JVM
   * cluster's endpoints are loopback addresses, whose resolution does not block.
   */
  static MediaDriver.Context driver(MediaDriver.Context ctx) {
    return ctx.asyncExecutorEnabled(false);
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
