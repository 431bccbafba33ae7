package io.sluice.windowing;

import io.sluice.time.RunClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Function;

/**
 * Bytewax's {@code EventClock}: each item's timestamp comes from the item, and each key's
 * watermark is the largest timestamp seen minus {@code waitForSystemDuration}, plus the system
 * time ({@link RunClock#now()}) that has passed since that item was seen. The watermark never goes
 * backwards; an item whose timestamp is before the watermark is late. At the end of the input the
 * watermark is {@link Instant#MAX}, closing every window.
 *
 * <p>So items are on time as long as they arrive out of order by less than the wait. Under virtual
 * time (tests) system time moves only when a source advances it, so lateness depends only on the
 * item order. Differences from Bytewax: timers fire at the system time when the watermark will reach
 * a window's close (Bytewax wakes at the event timestamp read as a system time), and the snapshot
 * ({@link EventClockState}) holds no absolute system time, so a resume continues the watermark where
 * it stopped instead of jumping it forward by the outage.
 *
 * @param <V> the values
 */
public final class EventClock<V> implements Clock<V> {
  private final Function<? super V, Instant> timestampOf;
  private final Duration waitForSystemDuration;

  /**
   * @param timestampOf           the timestamp of an item; must not return null
   * @param waitForSystemDuration how far behind the largest timestamp seen the watermark stays (how
   *                              much disorder is tolerated); not negative
   * @throws IllegalArgumentException if the wait is negative
   */
  public EventClock(Function<? super V, Instant> timestampOf, Duration waitForSystemDuration) {
    this.timestampOf = Objects.requireNonNull(timestampOf, "timestampOf");
    this.waitForSystemDuration = Objects.requireNonNull(waitForSystemDuration, "waitForSystemDuration");
    if (waitForSystemDuration.isNegative()) {
      throw new IllegalArgumentException("EventClock's waitForSystemDuration must not be negative, got "
          + waitForSystemDuration);
    }
  }

  /** The wait given to the constructor. */
  public Duration waitForSystemDuration() {
    return waitForSystemDuration;
  }

  @Override
  public ClockLogic<V> build(Object resumeState) {
    if (resumeState != null && !(resumeState instanceof EventClockState)) {
      throw new IllegalArgumentException("EventClock cannot resume from a " + resumeState.getClass().getName()
          + " (the window step's clock changed between runs?)");
    }
    return new Logic<>(timestampOf, waitForSystemDuration, (EventClockState) resumeState);
  }

  @Override
  public String toString() {
    return "EventClock(wait=" + waitForSystemDuration + ")";
  }

  static final class Logic<V> implements ClockLogic<V> {
    private final Function<? super V, Instant> timestampOf;
    private final Duration wait;
    /** The largest timestamp minus the wait; null before the first item. */
    private Instant watermarkBase;
    /** RunClock time when watermarkBase was set (or the restored equivalent). */
    private Instant systemOfMax;
    private Instant systemNow;
    private Instant watermark = Instant.MIN;

    Logic(Function<? super V, Instant> timestampOf, Duration wait, EventClockState resume) {
      this.timestampOf = timestampOf;
      this.wait = wait;
      this.systemNow = RunClock.now();
      if (resume != null && resume.watermarkBase() != null) {
        Duration since = resume.systemSinceMax() == null || resume.systemSinceMax().isNegative()
            ? Duration.ZERO : resume.systemSinceMax();
        this.watermarkBase = resume.watermarkBase();
        this.systemOfMax = Times.minus(systemNow, since);
      }
      this.watermark = current();
    }

    private Instant current() {
      if (watermarkBase == null) {
        return Instant.MIN;
      }
      if (systemNow.equals(systemOfMax)) {
        return watermarkBase; // no time passed since the largest timestamp (and no allocation)
      }
      return Times.plus(watermarkBase, Times.between(systemOfMax, systemNow));
    }

    private void tick() {
      Instant t = RunClock.now();
      if (t.isAfter(systemNow)) {
        systemNow = t;
      }
    }

    @Override
    public void beforeBatch() {
      tick();
    }

    @Override
    public Instant onItem(V value) {
      Instant ts = Objects.requireNonNull(timestampOf.apply(value), "EventClock's timestampOf returned null");
      Instant wm = current();
      Instant base = Times.minus(ts, wait);
      if (base.isAfter(wm)) {
        watermarkBase = base;
        systemOfMax = systemNow;
        wm = base;
      }
      watermark = Times.max(watermark, wm);
      return ts;
    }

    @Override
    public Instant watermark() {
      return watermark;
    }

    @Override
    public Instant onNotify() {
      tick();
      watermark = Times.max(watermark, current());
      return watermark;
    }

    @Override
    public Instant onEof() {
      return Instant.MAX;
    }

    @Override
    public Instant toSystem(Instant timestamp) {
      if (watermarkBase == null) {
        return null;
      }
      if (timestamp.equals(Instant.MAX)) {
        return null;
      }
      // the watermark reaches `timestamp` after (timestamp - watermarkBase) of system time
      return Times.plus(systemOfMax, Times.between(watermarkBase, timestamp));
    }

    @Override
    public boolean isEmpty() {
      return false;
    }

    @Override
    public EventClockState snapshot() {
      if (watermarkBase == null) {
        return new EventClockState(null, Duration.ZERO);
      }
      Duration since = Times.between(systemOfMax, systemNow);
      return new EventClockState(watermarkBase, since.isNegative() ? Duration.ZERO : since);
    }
  }
}
