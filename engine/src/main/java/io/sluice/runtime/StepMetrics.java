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
  /** Keyed steps recording keys: items processed per key {@link Routing#identity identity}; else null. */
  final Map<Object, Long> keyItems;

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
