package io.sluice.aeron;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * What the processes of one in-JVM cluster run ({@link LocalCluster}) share while they join the
 * cluster; real processes, in JVMs of their own, have none and rely on Aeron and their connect
 * timeout alone.
 *
 * <ul>
 *   <li>Every process counts {@link #subscribed} once its subscriptions exist, and adds its
 *       publications only when every process did ({@link #awaitSubscribed}): see
 *       {@code AeronTransport}'s {@code peersSubscribed}.</li>
 *   <li>A process that fails before the cluster is joined {@link #fail breaks} the barrier, as a
 *       broken {@link java.util.concurrent.CyclicBarrier} does: every process still joining stops
 *       waiting at once and fails, naming it, instead of waiting for it until its connect timeout.
 *       {@link LocalCluster} breaks it too when a process's run fails before its transport exists
 *       (the flow fails validation, a source cannot list its partitions).</li>
 * </ul>
 *
 * <p>A process that has {@link #joined} no longer looks at the barrier: a process failing later
 * tells it over Aeron (FAILED). Joining and breaking are ordered under one lock, so a failing
 * process knows exactly which peers it must still tell over Aeron ({@link #hasJoined}) and which
 * learn it here. Thread-safe.
 */
final class JoinBarrier {
  /**
   * The first failure: the process that failed, what it threw, and whether that process had
   * joined the cluster already (a failure {@link LocalCluster} saw after the run started).
   */
  record Failure(int process, Throwable cause, boolean joined) {
    /** One line for the other processes' errors: the type and message of the cause. */
    String describe() {
      if (process < 0) {
        return "the run was stopped: " + cause;
      }
      return "process " + process + (joined ? " failed: " : " failed before it joined the cluster: ") + cause;
    }
  }

  private final CountDownLatch subscribed;
  private final boolean[] joined;
  private Failure failure;
  /** Read without the lock by the joining loops; written once under it. */
  private volatile boolean broken;

  JoinBarrier(int processes) {
    this.subscribed = new CountDownLatch(processes);
    this.joined = new boolean[processes];
  }

  /** Process's subscriptions exist; once per process (its transport makes sure). */
  void subscribed() {
    subscribed.countDown();
  }

  /**
   * Waits up to {@code timeout} for every process to have its subscriptions; true when they all
   * have or the barrier is broken (then {@link #failure} says why).
   */
  boolean awaitSubscribed(long timeout, TimeUnit unit) throws InterruptedException {
    return subscribed.await(timeout, unit);
  }

  /**
   * Process {@code process} failed before the cluster was joined, with {@code cause}: breaks the
   * barrier, unless it is broken already (the first failure is the one reported). Returns whether
   * this call broke it.
   */
  synchronized boolean fail(int process, Throwable cause) {
    if (failure != null) {
      return false;
    }
    failure = new Failure(process, cause, joined[process]);
    broken = true;
    while (subscribed.getCount() > 0) {
      subscribed.countDown(); // whoever waits for the subscriptions stops waiting
    }
    return true;
  }

  /**
   * The run is given up (its caller timed out or was interrupted) with {@code cause}: breaks the
   * barrier like {@link #fail} (recorded as process -1, no process's own failure), unless it is
   * broken already; the processes still joining stop at once.
   */
  synchronized void abandon(Throwable cause) {
    if (failure != null) {
      return;
    }
    failure = new Failure(-1, cause, false);
    broken = true;
    while (subscribed.getCount() > 0) {
      subscribed.countDown();
    }
  }

  /** The failure that broke the barrier, or null. */
  Failure failure() {
    if (!broken) {
      return null;
    }
    synchronized (this) {
      return failure;
    }
  }

  /**
   * Process {@code process} has joined the cluster: from now on a failure reaches it over Aeron.
   * False, with nothing recorded, when the barrier broke first: the process fails like the others
   * still joining.
   */
  synchronized boolean joined(int process) {
    if (failure != null) {
      return false;
    }
    joined[process] = true;
    return true;
  }

  /** Whether process {@code process} had joined when the barrier broke (so it must be told over Aeron). */
  synchronized boolean hasJoined(int process) {
    return joined[process];
  }
}
