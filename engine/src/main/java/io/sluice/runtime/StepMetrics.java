package io.sluice.runtime;

import io.sluice.inputs.Routing;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One step's counters on one worker. Written only by that worker's thread; read by others only
 * for diagnostics (racy but harmless) and after the worker thread ended (safely published by join).
 */
final class StepMetrics {
  long itemsIn;
  long itemsOut;
  long activations;
  long maxActivationNanos;
  /** Batches the step emitted (all outputs). */
  long batchesOut;
  /** Nanoseconds spent in activations (sum). */
  long activationNanos;
  /** Exchange senders: nanoseconds during which a full channel held messages back. */
  long backPressuredNanos;
  /** Steps whose logic keeps a watermark ({@link io.sluice.dataflow.Watermarked}): the newest one of any key, ms since the epoch; else Long.MIN_VALUE. */
  long watermarkMillis = Long.MIN_VALUE;
  /** The run's time minus {@link #watermarkMillis} in ms, when a key's logic last ran. */
  long watermarkLagMillis;
  /** Told of every activation's duration in nanoseconds when a {@link io.sluice.run.RunObserver} asks; else null. */
  java.util.function.LongConsumer activationListener;
  /** Keyed steps recording keys: items processed per key {@link Routing#identity identity}; else null. */
  final Map<Object, Long> keyItems;

  /**
   * A key's logic ran and reports {@code watermark}; {@code nowMillis} is the run's time (virtual
   * time under virtual time). Keeps the newest watermark and its lag behind now.
   */
  void watermark(java.time.Instant watermark, long nowMillis) {
    if (watermark == null || watermark.equals(java.time.Instant.MIN) || watermark.equals(java.time.Instant.MAX)) {
      return;
    }
    long ms;
    try {
      ms = watermark.toEpochMilli();
    } catch (ArithmeticException e) {
      return; // beyond what a long of ms holds: not a watermark worth showing
    }
    if (ms > watermarkMillis) {
      watermarkMillis = ms;
    }
    watermarkLagMillis = nowMillis - watermarkMillis;
  }

  StepMetrics(boolean recordKeys) {
    this.keyItems = recordKeys ? new HashMap<>() : null;
  }

  /** {@link #keyItems} by the user's key objects (one per identity), or null when not recorded. */
  Map<Object, Long> keyItemsByKey() {
    if (keyItems == null) {
      return null;
    }
    Map<Object, Long> byKey = new LinkedHashMap<>();
    keyItems.forEach((id, n) -> byKey.put(Routing.keyOf(id), n));
    return byKey;
  }
}
