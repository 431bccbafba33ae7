package io.sluice.testkit;

import io.sluice.dataflow.KV;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One output of a crash and a resume, beside the same output of an uninterrupted run of the same
 * input: which items were lost, which were written twice, each with the epoch it came from. Built
 * by {@link #of}; assert on it with {@link SluiceAssertions#assertThat(RecoveryRun)}.
 *
 * <p>Sluice's guarantee (at-least-once) in these terms: nothing is lost; an item written twice was
 * first written after the last complete snapshot before the crash ({@link #resumeEpoch()}); and
 * the last value per key equals the uninterrupted run's.
 *
 * @param <T> the item type
 */
public final class RecoveryRun<T> {
  private final SinkOutput<T> reference;
  private final SinkOutput<T> crashed;
  private final SinkOutput<T> resumed;
  private final long resumeEpoch;
  private final List<Captured<T>> lost = new ArrayList<>();
  private final List<Captured<T>> duplicated = new ArrayList<>();
  private final List<Captured<T>> unexpected = new ArrayList<>();

  private RecoveryRun(SinkOutput<T> reference, SinkOutput<T> crashed, SinkOutput<T> resumed, long resumeEpoch) {
    this.reference = reference;
    this.crashed = crashed;
    this.resumed = resumed;
    this.resumeEpoch = resumeEpoch;
    // multiset difference both ways; a duplicate is shown with where it was written first
    Map<T, List<Captured<T>>> written = new LinkedHashMap<>();
    for (Captured<T> c : crashed.records()) {
      written.computeIfAbsent(c.item(), k -> new ArrayList<>()).add(c);
    }
    for (Captured<T> c : resumed.records()) {
      written.computeIfAbsent(c.item(), k -> new ArrayList<>()).add(c);
    }
    Map<T, Integer> expected = new HashMap<>();
    for (Captured<T> c : reference.records()) {
      List<Captured<T>> w = written.get(c.item());
      int seen = expected.merge(c.item(), 1, Integer::sum);
      if (w == null || w.size() < seen) {
        lost.add(c);
      }
    }
    written.forEach((item, copies) -> {
      int extra = copies.size() - expected.getOrDefault(item, 0);
      for (int i = 0; i < extra; i++) {
        duplicated.add(copies.get(i));
      }
      if (!expected.containsKey(item)) {
        unexpected.addAll(copies);
      }
    });
  }

  /**
   * Compares {@code crashed} (before the crash) plus {@code resumed} (after resuming from epoch
   * {@code resumeEpoch}) with {@code reference} (the same input, never interrupted).
   */
  public static <T> RecoveryRun<T> of(SinkOutput<T> reference, SinkOutput<T> crashed, long resumeEpoch,
      SinkOutput<T> resumed) {
    return new RecoveryRun<>(Objects.requireNonNull(reference, "reference"), Objects.requireNonNull(crashed, "crashed"),
        Objects.requireNonNull(resumed, "resumed"), resumeEpoch);
  }

  /**
   * As {@link #of(SinkOutput, SinkOutput, long, SinkOutput)} for several crashes in a row (e.g. a
   * rescale 3 → 5 → 1 workers): {@code crashed} are the outputs of the crashed runs, in order, and
   * {@code resumeEpoch} the epoch the last run resumed from.
   */
  public static <T> RecoveryRun<T> of(SinkOutput<T> reference, List<SinkOutput<T>> crashed, long resumeEpoch,
      SinkOutput<T> resumed) {
    List<Captured<T>> all = new ArrayList<>();
    // the runs' shapes may differ: as many processes as the run with the most (so that messages name
    // each writer's process if any run had several), and workers enough for every run's indexes
    int processes = 1;
    int totalWorkers = 0;
    for (SinkOutput<T> o : crashed) {
      all.addAll(o.records());
      processes = Math.max(processes, o.processes());
      totalWorkers = Math.max(totalWorkers, o.totalWorkers());
    }
    int workers = (totalWorkers + processes - 1) / processes;
    return of(reference, new SinkOutput<>(reference.label(), processes, workers, all), resumeEpoch, resumed);
  }

  /** Items of the uninterrupted run that neither the crashed nor the resumed run wrote, with their epochs there. */
  public List<Captured<T>> lost() {
    return lost;
  }

  /** Items written more often than the uninterrupted run wrote them, each with where it was written first. */
  public List<Captured<T>> duplicated() {
    return duplicated;
  }

  /**
   * Items the crashed or the resumed run wrote that the uninterrupted run never wrote (each copy,
   * with where it was written); they are also in {@link #duplicated()}. With deterministic output
   * they show what was written instead of what {@link #lost()} lists.
   */
  public List<Captured<T>> unexpected() {
    return unexpected;
  }

  /** Duplicates first written at or before the resume epoch: what a complete snapshot should have prevented. */
  public List<Captured<T>> duplicatedBeforeTheSnapshot() {
    List<Captured<T>> bad = new ArrayList<>();
    for (Captured<T> c : duplicated) {
      if (crashed.records().contains(c) && c.epoch() <= resumeEpoch) {
        bad.add(c);
      }
    }
    return bad;
  }

  /** The newest epoch complete before the crash: where the resumed run started from. */
  public long resumeEpoch() {
    return resumeEpoch;
  }

  public SinkOutput<T> reference() {
    return reference;
  }

  public SinkOutput<T> crashed() {
    return crashed;
  }

  public SinkOutput<T> resumed() {
    return resumed;
  }

  /**
   * For {@link KV} outputs: keys whose last value (the resumed run's, else the crashed run's)
   * differs from the uninterrupted run's, as key → [expected, actual].
   */
  public Map<Object, List<Object>> finalStateDifferences() {
    Map<Object, Object> want = lastPerKey(reference.items());
    Map<Object, Object> got = lastPerKey(crashed.items());
    got.putAll(lastPerKey(resumed.items()));
    Map<Object, List<Object>> diff = new LinkedHashMap<>();
    want.forEach((k, v) -> {
      if (!Objects.equals(v, got.get(k))) {
        diff.put(k, java.util.Arrays.asList(v, got.get(k)));
      }
    });
    got.forEach((k, v) -> {
      if (!want.containsKey(k)) {
        diff.put(k, java.util.Arrays.asList(null, v));
      }
    });
    return diff;
  }

  private static Map<Object, Object> lastPerKey(List<?> items) {
    Map<Object, Object> last = new LinkedHashMap<>();
    for (Object o : items) {
      if (!(o instanceof KV<?, ?> kv)) {
        throw new IllegalStateException("the final state per key needs KV items, got " + Texts.item(o));
      }
      last.put(kv.key(), kv.value());
    }
    return last;
  }

  @Override
  public String toString() {
    return "recovery of " + reference.label() + " from epoch " + resumeEpoch + ": " + lost.size() + " lost, "
        + duplicated.size() + " duplicated";
  }
}
