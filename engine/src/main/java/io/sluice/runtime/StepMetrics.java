package io.sluice.runtime;

import java.util.HashSet;
import java.util.Set;

/**
 * One step's counters on one worker. Written only by that worker's thread; read by others only
 * for diagnostics (racy but harmless) and after the worker thread ended (safely published by join).
 */
final class StepMetrics {
  long itemsIn;
  long itemsOut;
  long activations;
  long maxActivationNanos;
  final Set<Object> keys;

  StepMetrics(boolean recordKeys) {
    this.keys = recordKeys ? new HashSet<>() : null;
  }
}
