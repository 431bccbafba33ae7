package io.sluice.run;

import java.time.Duration;
import java.util.Objects;

/**
 * How every polling thread of a run waits when it has no work: the workers, and, in a run over
 * several processes, the transport's poller thread and the embedded media driver. Two named
 * profiles trade latency against CPU (measured in docs/PERFORMANCE.md, "Idle profiles"):
 * <ul>
 *   <li>{@link #THROUGHPUT} (the default): park soon (after 10 spins and 20 yields), so a worker
 *       with nothing to do costs almost no CPU; an item that arrives while a worker parks waits for
 *       the park to end (tens of µs to 1 ms).
 *   <li>{@link #LATENCY}: yield for many empty passes before parking, so a worker that had work in
 *       the last few milliseconds answers new work within microseconds; between bursts it keeps its
 *       core busy yielding. Once idle for longer it parks as {@code THROUGHPUT} does, though
 *       periodic work restarts its yields: an idle flow costs a few ms of CPU per second more. For
 *       machines with a core to spare per polling thread; on an oversubscribed machine the yielding
 *       threads take turns from the busy ones. Across processes its workers also run the
 *       transport's work ({@link TransportThreading#INVOKER}): fewer threads to wake per batch.
 * </ul>
 *
 * @param name            a label for logs and reports
 * @param workers         how each worker thread backs off
 * @param transportPoller how the cross-process transport's receiving thread backs off
 * @param mediaDriver     how the embedded media driver's thread backs off (Aeron's shared
 *                        threading mode)
 * @param threading       which threads run the transport's work: threads of its own
 *                        ({@link TransportThreading#SHARED}, whose poller and driver back off as
 *                        above) or the workers' ({@link TransportThreading#INVOKER}, where the
 *                        workers' backoff applies to it too)
 */
public record IdleProfile(String name, Backoff workers, Backoff transportPoller, Backoff mediaDriver,
    TransportThreading threading) {

  private static final Duration MICRO = Duration.ofNanos(1_000);
  private static final Duration MILLI = Duration.ofMillis(1);

  /** Park soon: little CPU when idle, up to ~1 ms added latency at low rates. The default. */
  public static final IdleProfile THROUGHPUT = new IdleProfile("throughput",
      new Backoff(10, 20, MICRO, MILLI),
      new Backoff(10, 20, MICRO, MILLI),
      new Backoff(1, 10, MICRO, MILLI),
      TransportThreading.SHARED);

  /**
   * Workers and the poller yield for about 20,000 empty passes before parking: µs latency while busy,
   * more CPU between items. The media driver yields only 100 times: it has periodic work of its own
   * (heartbeats, status messages, timers) every few ms, so with 20,000 yields it never parked and
   * used a third of a core while the flow was idle (docs/PERFORMANCE.md, "Idle profiles").
   * Across processes the workers run the transport's work themselves
   * ({@link TransportThreading#INVOKER}), so the poller and driver backoffs apply only to the
   * threads of a profile changed {@link #withThreading back to SHARED}; a batch crosses with no
   * thread between the two workers (docs/PERFORMANCE.md, "Fewer threads per hop").
   */
  public static final IdleProfile LATENCY = new IdleProfile("latency",
      new Backoff(100, 20_000, MICRO, MILLI),
      new Backoff(100, 20_000, MICRO, MILLI),
      new Backoff(100, 100, MICRO, MILLI),
      TransportThreading.INVOKER);

  /** A profile whose transport has threads of its own ({@link TransportThreading#SHARED}). */
  public IdleProfile(String name, Backoff workers, Backoff transportPoller, Backoff mediaDriver) {
    this(name, workers, transportPoller, mediaDriver, TransportThreading.SHARED);
  }

  public IdleProfile {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(workers, "workers");
    Objects.requireNonNull(transportPoller, "transportPoller");
    Objects.requireNonNull(mediaDriver, "mediaDriver");
    Objects.requireNonNull(threading, "threading");
  }

  /** One backoff for all three kinds of thread. */
  public static IdleProfile of(String name, Backoff all) {
    return new IdleProfile(name, all, all, all);
  }

  /** {@link #LATENCY} or {@link #THROUGHPUT} by name (case-insensitive), for command lines and settings. */
  public static IdleProfile named(String name) {
    return switch (name == null ? "" : name.toLowerCase(java.util.Locale.ROOT)) {
      case "latency" -> LATENCY;
      case "throughput" -> THROUGHPUT;
      default -> throw new IllegalArgumentException(
          "unknown idle profile '" + name + "': expected 'latency' or 'throughput'");
    };
  }

  public IdleProfile withWorkers(Backoff b) {
    return new IdleProfile(name, b, transportPoller, mediaDriver, threading);
  }

  public IdleProfile withTransportPoller(Backoff b) {
    return new IdleProfile(name, workers, b, mediaDriver, threading);
  }

  public IdleProfile withMediaDriver(Backoff b) {
    return new IdleProfile(name, workers, transportPoller, b, threading);
  }

  /** The same profile with the transport's work run by {@code t}'s threads. */
  public IdleProfile withThreading(TransportThreading t) {
    return new IdleProfile(name, workers, transportPoller, mediaDriver, t);
  }
}
