package io.sluice.run;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one step did on each worker during a run: items in and out, the keys it saw and how many
 * items of each (keyed steps, when {@link RunConfig#recordKeys()} is on) and its longest
 * activation. Worker indexes are global. Immutable.
 */
public final class StepStats {
  private final String stepId;
  private final long[] itemsIn;
  private final long[] itemsOut;
  /** Per worker: items per key, or null where keys were not recorded. */
  private final List<Map<Object, Long>> keyItems;
  private final long[] maxActivationNanos;

  /**
   * @param keyItems per worker, the items this keyed step processed per key; a null entry where
   *                 keys were not recorded
   */
  public StepStats(String stepId, long[] itemsIn, long[] itemsOut, List<Map<Object, Long>> keyItems,
      long[] maxActivationNanos) {
    this.stepId = stepId;
    this.itemsIn = itemsIn.clone();
    this.itemsOut = itemsOut.clone();
    List<Map<Object, Long>> copy = new ArrayList<>(keyItems.size());
    for (Map<Object, Long> m : keyItems) {
      if (m == null) {
        copy.add(null);
        continue;
      }
      Map<Object, Long> byKey = new LinkedHashMap<>();
      m.forEach((k, n) -> byKey.put(io.sluice.inputs.Routing.keyOf(k), n)); // the user's key objects
      copy.add(Collections.unmodifiableMap(byKey));
    }
    this.keyItems = Collections.unmodifiableList(copy);
    this.maxActivationNanos = maxActivationNanos.clone();
  }

  public String stepId() {
    return stepId;
  }

  public int workerCount() {
    return itemsIn.length;
  }

  /** Items that reached this step on {@code worker} (for an input step: 0). */
  public long itemsIn(int worker) {
    return itemsIn[worker];
  }

  /** Items this step emitted on {@code worker} (for an output step: 0). */
  public long itemsOut(int worker) {
    return itemsOut[worker];
  }

  public long[] itemsInPerWorker() {
    return itemsIn.clone();
  }

  public long[] itemsOutPerWorker() {
    return itemsOut.clone();
  }

  public long totalIn() {
    return Arrays.stream(itemsIn).sum();
  }

  public long totalOut() {
    return Arrays.stream(itemsOut).sum();
  }

  /** Whether keys were recorded for this step (keyed steps with {@link RunConfig#recordKeys()}). */
  public boolean keysRecorded() {
    return keyItems.stream().anyMatch(k -> k != null);
  }

  /**
   * The keys this keyed step processed on {@code worker}, one object per key
   * {@link io.sluice.inputs.Routing#identity identity} (so two equal {@code byte[]} keys appear once;
   * compare with {@code Routing.identity}); empty if none or not recorded.
   */
  public Set<Object> keys(int worker) {
    return keyItems(worker).keySet();
  }

  /**
   * How many items of each key this keyed step processed on {@code worker} (what reached its
   * per-key logic, after any combining before the exchange); empty if none or not recorded.
   */
  public Map<Object, Long> keyItems(int worker) {
    Map<Object, Long> k = keyItems.get(worker);
    return k == null ? Map.of() : k;
  }

  /** The longest single activation of this step on {@code worker}. */
  public Duration maxActivation(int worker) {
    return Duration.ofNanos(maxActivationNanos[worker]);
  }

  @Override
  public String toString() {
    return "StepStats[" + stepId + " in=" + Arrays.toString(itemsIn) + " out=" + Arrays.toString(itemsOut) + "]";
  }
}
