package io.sluice.run;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * What one step did on each worker during a run: items in and out, the keys it saw (keyed steps,
 * when {@link RunConfig#recordKeys()} is on) and its longest activation. Worker indexes are global.
 */
public final class StepStats {
  private final String stepId;
  private final long[] itemsIn;
  private final long[] itemsOut;
  private final List<Set<Object>> keys;
  private final long[] maxActivationNanos;

  public StepStats(String stepId, long[] itemsIn, long[] itemsOut, List<Set<Object>> keys, long[] maxActivationNanos) {
    this.stepId = stepId;
    this.itemsIn = itemsIn.clone();
    this.itemsOut = itemsOut.clone();
    this.keys = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(keys));
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
    return keys.stream().anyMatch(k -> k != null);
  }

  /** The keys this keyed step processed on {@code worker}; empty if none or not recorded. */
  public Set<Object> keys(int worker) {
    Set<Object> k = keys.get(worker);
    return k == null ? Set.of() : k;
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
