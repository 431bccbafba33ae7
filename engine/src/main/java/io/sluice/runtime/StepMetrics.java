package io.sluice.runtime;

import java.util.HashMap;
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
  /** Keyed steps recording keys: items processed per key; else null. */
  final Map<Object, Long> keyItems;

  StepMetrics(boolean recordKeys) {
    this.keyItems = recordKeys ? new HashMap<>() : null;
  }
}
