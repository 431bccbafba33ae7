package io.sluice.windowing;

import io.sluice.time.RunClock;
import java.time.Instant;

/**
 * Bytewax's {@code SystemClock}: each item's timestamp is the current time
 * ({@link RunClock#now()}, read once per batch), and the watermark is the current time, so no item
 * is ever late. At the end of the input every window closes. It keeps no state.
 */
public final class SystemClock<V> implements Clock<V> {
  @Override
  public ClockLogic<V> build(Object resumeState) {
    return new Logic<>();
  }

  @Override
  public String toString() {
    return "SystemClock";
  }

  private static final class Logic<V> implements ClockLogic<V> {
    private Instant now = RunClock.now();

    private void tick() {
      Instant t = RunClock.now();
      if (t.isAfter(now)) {
        now = t;
      }
    }

    @Override
    public void beforeBatch() {
      tick();
    }

    @Override
    public Instant onItem(V value) {
      return now;
    }

    @Override
    public Instant watermark() {
      return now;
    }

    @Override
    public Instant onNotify() {
      tick();
      return now;
    }

    @Override
    public Instant onEof() {
      return Instant.MAX;
    }

    @Override
    public Instant toSystem(Instant timestamp) {
      return timestamp;
    }

    @Override
    public boolean isEmpty() {
      return true;
    }

    @Override
    public Object snapshot() {
      return null;
    }
  }
}
