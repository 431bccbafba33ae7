package io.sluice.testkit;

import io.sluice.run.RunHook;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where {@link DataflowRunner#runUntilCrash} crashes a run: when a step is about to process a given
 * item (or its n-th item), optionally only on one worker, or when a worker closes an epoch. A
 * crash stops the run as a failure in user code would: no epoch closes after it, so the recovery
 * store holds exactly the epochs completed before it. Each {@code Crash} fires once per run.
 */
public final class Crash {
  private final String stepId;
  private final Object item;
  private final long nth;
  private final long epoch;
  private final int worker;

  private Crash(String stepId, Object item, long nth, long epoch, int worker) {
    this.stepId = stepId;
    this.item = item;
    this.nth = nth;
    this.epoch = epoch;
    this.worker = worker;
  }

  /** When step {@code stepId} is about to process {@code item} (compared with {@code equals}), on any worker. */
  public static Crash whenStepSees(String stepId, Object item) {
    return new Crash(Objects.requireNonNull(stepId, "stepId"), Objects.requireNonNull(item, "item"), 0, 0, -1);
  }

  /** When step {@code stepId} is about to process its {@code n}-th item (1-based, counted over the workers it runs on). */
  public static Crash whenStepSeesItemNumber(String stepId, long n) {
    if (n < 1) {
      throw new IllegalArgumentException("item numbers start at 1, got " + n);
    }
    return new Crash(Objects.requireNonNull(stepId, "stepId"), null, n, 0, -1);
  }

  /** When a worker closes {@code epoch} (after handing its snapshots to the store). */
  public static Crash atCloseOfEpoch(long epoch) {
    if (epoch < 1) {
      throw new IllegalArgumentException("epochs start at 1, got " + epoch);
    }
    return new Crash(null, null, 0, epoch, -1);
  }

  /** The same crash point, on worker {@code worker} only (global index). */
  public Crash onWorker(int worker) {
    if (worker < 0) {
      throw new IllegalArgumentException("worker must not be negative, got " + worker);
    }
    return new Crash(stepId, item, nth, epoch, worker);
  }

  /** The global index of the only worker this crash fires on, or -1 for any worker. */
  int worker() {
    return worker;
  }

  /** The exception a crash throws; the run fails with it as its cause. */
  public static final class InjectedCrash extends RuntimeException {
    InjectedCrash(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Whether {@code failure} is an injected crash: one in its cause chain, or, in a cluster, a
   * peer's failure report naming one (only the text crosses processes).
   */
  static boolean causedBy(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof InjectedCrash || t.getMessage() != null && t.getMessage().contains(PREFIX)) {
        return true;
      }
    }
    return false;
  }

  private static final String PREFIX = "injected crash: ";

  /** A hook that fires this crash once; its message names the worker as {@code names} says. */
  RunHook hook(WorkerNames names) {
    AtomicLong seen = new AtomicLong();
    AtomicBoolean fired = new AtomicBoolean();
    Crash c = this;
    return new RunHook() {
      @Override
      public void beforeStep(String step, int w, List<?> items) {
        if (c.stepId == null || !c.stepId.equals(step) || c.worker >= 0 && c.worker != w || fired.get()) {
          return;
        }
        if (c.item != null) {
          for (Object i : items) {
            if (c.item.equals(i) && fired.compareAndSet(false, true)) {
              throw new InjectedCrash(PREFIX + "step '" + step + "' on " + names.worker(w) + " was about to process "
                  + Texts.item(i));
            }
          }
        } else {
          long before = seen.getAndAdd(items.size());
          if (before < c.nth && before + items.size() >= c.nth && fired.compareAndSet(false, true)) {
            throw new InjectedCrash(PREFIX + "step '" + step + "' on " + names.worker(w) + " was about to process its item number "
                + c.nth);
          }
        }
      }

      @Override
      public void afterEpoch(int w, long e) {
        if (c.epoch > 0 && e == c.epoch && (c.worker < 0 || c.worker == w) && fired.compareAndSet(false, true)) {
          throw new InjectedCrash(PREFIX + names.worker(w) + " closed epoch " + e);
        }
      }
    };
  }

  /** {@code crash when step 'count' sees 7 on worker 3}: the worker named by its index only. */
  @Override
  public String toString() {
    return describe(new WorkerNames(1, 0));
  }

  /** As {@link #toString()}, naming the worker as {@code names} does: {@code ... on worker 3 (process 1)}. */
  String describe(WorkerNames names) {
    String where = stepId == null ? "at the close of epoch " + epoch
        : "when step '" + stepId + "' sees " + (item != null ? Texts.item(item) : "its item number " + nth);
    return "crash " + where + (worker >= 0 ? " on " + names.worker(worker) : "");
  }
}
