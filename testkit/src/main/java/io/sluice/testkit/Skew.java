package io.sluice.testkit;

import java.util.Arrays;

/**
 * How unevenly one step's items were spread over the workers: the items each worker processed,
 * their maximum and mean, and {@link #ratio()} = max / mean (1.0 is perfectly even; with N workers
 * N means one worker did everything).
 *
 * @param stepId    the step
 * @param perWorker items per worker, by global worker index
 */
public record Skew(String stepId, long[] perWorker) {
  static Skew of(String stepId, long[] perWorker) {
    return new Skew(stepId, perWorker.clone());
  }

  public long total() {
    return Arrays.stream(perWorker).sum();
  }

  public long max() {
    return Arrays.stream(perWorker).max().orElse(0);
  }

  /** The worker with the most items (the lowest index among equals). */
  public int busiestWorker() {
    int best = 0;
    for (int w = 1; w < perWorker.length; w++) {
      if (perWorker[w] > perWorker[best]) {
        best = w;
      }
    }
    return best;
  }

  public double mean() {
    return perWorker.length == 0 ? 0 : (double) total() / perWorker.length;
  }

  /** max / mean; 1.0 when the step had no items. */
  public double ratio() {
    double mean = mean();
    return mean == 0 ? 1.0 : max() / mean;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Skew s && s.stepId.equals(stepId) && Arrays.equals(s.perWorker, perWorker);
  }

  @Override
  public int hashCode() {
    return stepId.hashCode() * 31 + Arrays.hashCode(perWorker);
  }

  @Override
  public String toString() {
    return String.format(java.util.Locale.ROOT, "step '%s' items per worker %s, max/mean %.2f", stepId,
        Arrays.toString(perWorker), ratio());
  }
}
