package io.sluice.testkit;

import io.sluice.inputs.Routing;
import io.sluice.run.StepStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.assertj.core.api.AbstractAssert;
import org.assertj.core.data.Percentage;

/**
 * Assertions on one step of a finished run, per worker: where a keyed step's keys were processed,
 * how its items were spread over the workers, how skewed its load was, how long it held a worker.
 *
 * <p>Key placement needs a keyed step: the keyed stateful kernel step. Composed keyed operators
 * name it after the operator ({@code countFinal("count", ...)} has keyed step {@code count} and the
 * per-worker pre-aggregation {@code count.pre}); naming a step that is not keyed fails with the
 * flow's keyed steps listed.
 *
 * <p>A step's items on a worker are the items that reached it there (for an input step: what it
 * read there).
 */
public final class StepAssert extends AbstractAssert<StepAssert, TestRun> {
  private final String stepId;

  StepAssert(TestRun actual, String stepId) {
    super(actual, StepAssert.class);
    this.stepId = stepId;
  }

  // ------------------------------------------------------------------ key placement

  /** Every key this keyed step saw was processed on exactly one worker. */
  public StepAssert hasEachKeyOnExactlyOneWorker() {
    requireKeyed("hasEachKeyOnExactlyOneWorker");
    Map<Object, Set<Integer>> where = workersByKey();
    List<String> wrong = new ArrayList<>();
    int total = 0;
    for (Map.Entry<Object, Set<Integer>> e : where.entrySet()) {
      if (e.getValue().size() > 1) {
        total++;
        if (wrong.size() < Texts.MAX_LISTED) {
          wrong.add("key " + Texts.item(Routing.keyOf(e.getKey())) + " on " + names().workers(e.getValue()));
        }
      }
    }
    if (total > 0) {
      fail("Expected every key of keyed step '" + stepId + "' (" + actual.describe() + ") to be processed on exactly"
          + " one worker, but " + total + (total == 1 ? " key was" : " keys were") + " processed on several:\n  "
          + String.join("\n  ", wrong) + more(total, wrong.size()));
    }
    return this;
  }

  /**
   * Every key this keyed step saw was processed on exactly one worker, the one
   * {@link Routing#workerFor(Object, int)} predicts.
   */
  public StepAssert hasEachKeyOnTheWorkerRoutingPredicts() {
    requireKeyed("hasEachKeyOnTheWorkerRoutingPredicts");
    int n = actual.totalWorkers();
    List<String> wrong = new ArrayList<>();
    int total = 0;
    for (Map.Entry<Object, Set<Integer>> e : workersByKey().entrySet()) {
      Object key = Routing.keyOf(e.getKey());
      int predicted = Routing.workerFor(key, n);
      if (!e.getValue().equals(Set.of(predicted))) {
        total++;
        if (wrong.size() < Texts.MAX_LISTED) {
          wrong.add("key " + Texts.item(key) + " was processed on " + names().workers(e.getValue())
              + ", but Routing.workerFor(" + Texts.item(key) + ", " + n + ") = " + names().index(predicted));
        }
      }
    }
    if (total > 0) {
      fail("Expected every key of keyed step '" + stepId + "' (" + actual.describe()
          + ") on the worker routing predicts, but " + total + (total == 1 ? " key was" : " keys were") + " not:\n  "
          + String.join("\n  ", wrong) + more(total, wrong.size()));
    }
    return this;
  }

  /** This keyed step processed {@code key} on {@code worker}, and on no other worker. */
  public StepAssert hasKeyOnWorker(Object key, int worker) {
    requireKeyed("hasKeyOnWorker");
    int n = actual.totalWorkers();
    if (worker < 0 || worker >= n) {
      fail("Worker " + worker + " does not exist in " + actual.describe() + " (workers 0.." + (n - 1) + ")");
    }
    Set<Integer> where = workersByKey().getOrDefault(Routing.identity(key), Set.of());
    if (where.isEmpty()) {
      Set<Object> seen = allKeys();
      fail("Expected keyed step '" + stepId + "' (" + actual.describe() + ") to process key " + Texts.item(key)
          + " on " + names().worker(worker) + ", but it never saw that key; it saw " + seen.size() + " keys: "
          + Texts.list(seen));
    }
    if (!where.equals(Set.of(worker))) {
      fail("Expected keyed step '" + stepId + "' (" + actual.describe() + ") to process key " + Texts.item(key)
          + " on " + names().worker(worker) + ", but it was processed on " + names().workers(where)
          + " (Routing.workerFor(" + Texts.item(key) + ", " + n + ") = " + names().index(Routing.workerFor(key, n)) + ")");
    }
    return this;
  }

  /** This keyed step saw every one of {@code keys} (and possibly others). */
  public StepAssert sawKeys(Object... keys) {
    requireKeyed("sawKeys");
    Set<Object> seen = allKeys();
    List<Object> missing = new ArrayList<>();
    for (Object k : keys) {
      if (!seen.contains(Routing.identity(k))) {
        missing.add(k);
      }
    }
    if (!missing.isEmpty()) {
      fail("Expected keyed step '" + stepId + "' (" + actual.describe() + ") to see keys " + Texts.list(Arrays.asList(keys))
          + ", but it never saw " + Texts.list(missing) + "; it saw " + Texts.list(seen));
    }
    return this;
  }

  // ------------------------------------------------------------------ spread over workers

  /** Every worker processed at least one of this step's items. */
  public StepAssert isSpreadOverAllWorkers() {
    isNotNull();
    long[] per = actual.itemsPerWorker(stepId);
    List<Integer> idle = new ArrayList<>();
    for (int w = 0; w < per.length; w++) {
      if (per[w] == 0) {
        idle.add(w);
      }
    }
    if (!idle.isEmpty()) {
      fail("Expected the items of step '" + stepId + "' (" + actual.describe() + ") to be spread over all "
          + per.length + " workers, but " + names().workers(idle) + " got none: items per"
          + " worker " + names().perWorker(per) + "." + hintStaysWhereRead());
    }
    return this;
  }

  /**
   * Every worker processed its fair share of this step's items (total / workers) within
   * {@code tolerance}: {@code |items(w) - mean| <= tolerance × mean}.
   */
  public StepAssert isSpreadEvenlyWithin(Percentage tolerance) {
    isNotNull();
    long[] per = actual.itemsPerWorker(stepId);
    double mean = Arrays.stream(per).sum() / (double) per.length;
    double allowed = mean * tolerance.value / 100.0;
    List<String> off = new ArrayList<>();
    for (int w = 0; w < per.length; w++) {
      if (Math.abs(per[w] - mean) > allowed) {
        off.add(names().worker(w) + ": " + per[w] + String.format(Locale.ROOT, " (%+.1f %%)", (per[w] - mean) * 100 / mean));
      }
    }
    if (mean == 0) {
      fail("Expected the items of step '" + stepId + "' (" + actual.describe() + ") to be spread evenly, but the step"
          + " had no items");
    }
    if (!off.isEmpty()) {
      fail("Expected each worker's share of step '" + stepId + "' (" + actual.describe() + ") within "
          + tolerance + " of the mean " + String.format(Locale.ROOT, "%.1f", mean) + ", but:\n  "
          + String.join("\n  ", off) + "\nitems per worker " + names().perWorker(per) + "."
          + (Arrays.stream(per).anyMatch(x -> x == 0) ? hintStaysWhereRead() : ""));
    }
    return this;
  }

  /** All of this step's items were processed on one worker (e.g. a one-partition source without {@code redistribute}). */
  public StepAssert stayedOnOneWorker() {
    isNotNull();
    long[] per = actual.itemsPerWorker(stepId);
    long busy = Arrays.stream(per).filter(x -> x > 0).count();
    if (busy == 0) {
      fail("Expected all items of step '" + stepId + "' (" + actual.describe() + ") to stay on one worker, but the"
          + " step had no items");
    }
    if (busy > 1) {
      fail("Expected all items of step '" + stepId + "' (" + actual.describe() + ") to stay on one worker, but "
          + busy + " workers processed some: items per worker " + names().perWorker(per));
    }
    return this;
  }

  /** All of this step's items were processed on {@code worker}. */
  public StepAssert stayedOnWorker(int worker) {
    stayedOnOneWorker();
    long[] per = actual.itemsPerWorker(stepId);
    if (worker < 0 || worker >= per.length || per[worker] == 0) {
      fail("Expected all items of step '" + stepId + "' (" + actual.describe() + ") on " + names().worker(worker)
          + ", but they were on another: items per worker " + names().perWorker(per));
    }
    return this;
  }

  /** This step processed {@code expected} items in all, over all workers. */
  public StepAssert hasItemsInTotal(long expected) {
    isNotNull();
    long[] per = actual.itemsPerWorker(stepId);
    long total = Arrays.stream(per).sum();
    if (total != expected) {
      fail("Expected step '" + stepId + "' (" + actual.describe() + ") to process " + expected + " items, but it"
          + " processed " + total + ": items per worker " + names().perWorker(per));
    }
    return this;
  }

  // ------------------------------------------------------------------ skew and blocking

  /**
   * The busiest worker processed at most {@code maxRatio} times the mean load of this step (a hot
   * key shows as a high ratio; 1.0 is perfectly even, the worker count means one worker did all).
   */
  public StepAssert hasSkewAtMost(double maxRatio) {
    isNotNull();
    Skew skew = actual.skew(stepId);
    if (skew.ratio() > maxRatio) {
      int busiest = skew.busiestWorker();
      String keys = "";
      if (actual.isKeyed(stepId)) {
        Map<Object, Long> k = actual.step(stepId).keyItems(busiest);
        List<String> hottestFirst = k.entrySet().stream()
            .sorted(Map.Entry.<Object, Long>comparingByValue().reversed())
            .limit(Texts.MAX_LISTED)
            .map(e -> Texts.item(e.getKey()) + " " + e.getValue())
            .toList();
        keys = "; keys on " + names().worker(busiest) + " (" + k.size() + "), items per key, most first: "
            + Texts.plainList(hottestFirst, k.size());
      }
      fail(String.format(Locale.ROOT, "Expected step '%s' (%s) to have a max/mean load ratio of at most %.2f, but it"
          + " was %.2f: %s processed %d of %d items (mean %.1f); items per worker %s%s", stepId,
          actual.describe(), maxRatio, skew.ratio(), names().worker(busiest), skew.max(), skew.total(), skew.mean(),
          names().perWorker(skew.perWorker()), keys));
    }
    return this;
  }

  /** No activation of this step held its worker longer than {@code threshold}. */
  public StepAssert hasNoActivationLongerThan(Duration threshold) {
    isNotNull();
    List<String> slow = slowActivations(actual.step(stepId), threshold, names());
    if (!slow.isEmpty()) {
      fail("Expected no activation of step '" + stepId + "' (" + actual.describe() + ") longer than "
          + threshold.toMillis() + " ms, but:\n  " + String.join("\n  ", slow));
    }
    return this;
  }

  static List<String> slowActivations(StepStats s, Duration threshold, WorkerNames names) {
    List<String> slow = new ArrayList<>();
    for (int w = 0; w < s.workerCount(); w++) {
      Duration d = s.maxActivation(w);
      if (d.compareTo(threshold) > 0) {
        slow.add(String.format(Locale.ROOT, "step '%s' held %s for %.1f ms", s.stepId(), names.worker(w),
            d.toNanos() / 1e6));
      }
    }
    return slow;
  }

  // ------------------------------------------------------------------ helpers

  private void requireKeyed(String assertion) {
    isNotNull();
    if (actual.isKeyed(stepId)) {
      return;
    }
    List<String> keyed = actual.keyedStepIds();
    StringBuilder sb = new StringBuilder("step '").append(stepId).append("' of ").append(actual.describe())
        .append(" is not a keyed step, so ").append(assertion).append(" has no key placement to check. ");
    if (keyed.isEmpty()) {
      sb.append("The dataflow has no keyed steps.");
    } else {
      sb.append("Its keyed steps are ").append(keyed).append('.');
      for (String k : keyed) {
        if (stepId.startsWith(k + ".")) {
          sb.append(" '").append(stepId).append("' is a helper step of the keyed operator '").append(k)
              .append("' (e.g. countFinal's per-worker pre-aggregation '").append(k).append(".pre'); its keys are"
              + " placed in step '").append(k).append("'.");
        }
      }
    }
    fail(sb.toString());
  }

  private Map<Object, Set<Integer>> workersByKey() {
    StepStats s = actual.step(stepId);
    // by routing identity, so byte[] keys with equal content are one key, as the engine groups them
    Map<Object, Set<Integer>> where = new LinkedHashMap<>();
    for (int w = 0; w < s.workerCount(); w++) {
      for (Object k : s.keys(w)) {
        where.computeIfAbsent(Routing.identity(k), x -> new TreeSet<>()).add(w);
      }
    }
    return where;
  }

  private Set<Object> allKeys() {
    return workersByKey().keySet();
  }

  private String hintStaysWhereRead() {
    return " Items stay on the worker that read their source partition until a redistribute or a keyed step"
        + " moves them; a source with fewer partitions than workers leaves some workers idle.";
  }

  /** How this run's workers are named: {@code worker 2 (process 1)} in several processes. */
  private WorkerNames names() {
    return WorkerNames.of(actual);
  }

  private static String more(int total, int shown) {
    return total > shown ? "\n  ... and " + (total - shown) + " more" : "";
  }

  private void fail(String message) {
    failWithMessage("%s", message);
  }
}
