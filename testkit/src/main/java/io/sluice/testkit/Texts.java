package io.sluice.testkit;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.presentation.StandardRepresentation;

/** How the testkit writes things in messages. */
final class Texts {
  /** Lists longer than this are cut in messages. */
  static final int MAX_LISTED = 20;

  private Texts() {}

  static String workers(int n) {
    return n == 1 ? "1 worker" : n + " workers";
  }

  /**
   * A run's shape, the testkit's one way to say it: {@code 4 workers} in one process,
   * {@code 2 processes × 4 workers} (workers always count per process) otherwise.
   */
  static String deployment(int processes, int workersPerProcess) {
    if (processes == 1) {
      return workers(workersPerProcess);
    }
    return processes + " processes \u00d7 " + workers(workersPerProcess);
  }

  /** As {@link #deployment}, naming the process count even when it is 1: {@code 1 process × 3 workers}. */
  static String deploymentWithProcesses(int processes, int workersPerProcess) {
    return (processes == 1 ? "1 process" : processes + " processes") + " \u00d7 " + workers(workersPerProcess);
  }

  /** An invocation's display name: {@code [4 workers]} or {@code [2 processes × 4 workers]}. */
  static String displayName(int processes, int workersPerProcess) {
    return "[" + deployment(processes, workersPerProcess) + "]";
  }

  /** An item as AssertJ shows it (strings quoted). */
  static String item(Object item) {
    return StandardRepresentation.STANDARD_REPRESENTATION.toStringOf(item);
  }

  /** Items as AssertJ shows them: {@code ["a", "b", ... and 12 more]}. */
  static String list(Collection<?> items) {
    List<String> shown = new ArrayList<>(Math.min(items.size(), MAX_LISTED));
    for (Object o : items) {
      if (shown.size() == MAX_LISTED) {
        break;
      }
      shown.add(item(o));
    }
    return plainList(shown, items.size());
  }

  /** Pre-formatted entries: {@code [a, b, ... and 12 more]}. */
  static String plainList(List<String> entries, int total) {
    StringBuilder sb = new StringBuilder("[");
    int i = 0;
    for (Iterator<String> it = entries.iterator(); it.hasNext() && i < MAX_LISTED; i++) {
      sb.append(i == 0 ? "" : ", ").append(it.next());
    }
    if (total > i) {
      sb.append(", ... and ").append(total - i).append(" more");
    }
    return sb.append(']').toString();
  }

  /** Counts of each item, in first-seen order. */
  static <T> Map<T, Integer> counts(Iterable<? extends T> items) {
    Map<T, Integer> counts = new LinkedHashMap<>();
    for (T t : items) {
      counts.merge(t, 1, Integer::sum);
    }
    return counts;
  }

  /**
   * The difference between an expected and an actual multiset of items: what is missing, what was
   * not expected at all, and what arrived more often than expected.
   */
  record Diff<T>(List<T> missing, List<T> unexpected, Map<T, int[]> duplicated) {
    /** @return whether actual holds exactly the expected items, as many times each */
    boolean isEmpty() {
      return missing.isEmpty() && unexpected.isEmpty() && duplicated.isEmpty();
    }

    static <T> Diff<T> of(Iterable<? extends T> expected, Iterable<? extends T> actual) {
      Map<T, Integer> want = counts(expected);
      Map<T, Integer> got = counts(actual);
      List<T> missing = new ArrayList<>();
      List<T> unexpected = new ArrayList<>();
      Map<T, int[]> duplicated = new LinkedHashMap<>();
      want.forEach((item, n) -> {
        int g = got.getOrDefault(item, 0);
        for (int i = g; i < n; i++) {
          missing.add(item);
        }
      });
      got.forEach((item, g) -> {
        int n = want.getOrDefault(item, 0);
        if (n == 0) {
          for (int i = 0; i < g; i++) {
            unexpected.add(item);
          }
        } else if (g > n) {
          duplicated.put(item, new int[] {n, g});
        }
      });
      return new Diff<>(missing, unexpected, duplicated);
    }

    /** The lines naming missing, unexpected and duplicated items (only the non-empty ones). */
    String describe(String missingLabel, String unexpectedLabel) {
      return describe(missingLabel, unexpectedLabel, item -> "");
    }

    /**
     * The lines naming missing, unexpected and duplicated items; {@code where} adds to each
     * unexpected and duplicated item where it came from (e.g. {@code " from worker 2"}).
     */
    String describe(String missingLabel, String unexpectedLabel, java.util.function.Function<Object, String> where) {
      StringBuilder sb = new StringBuilder();
      if (!missing.isEmpty()) {
        sb.append("\n  ").append(missingLabel).append(" (").append(missing.size()).append("): ").append(list(missing));
      }
      if (!unexpected.isEmpty()) {
        List<String> u = new ArrayList<>();
        for (T item : unexpected) {
          if (u.size() == MAX_LISTED) {
            break;
          }
          u.add(item(item) + where.apply(item));
        }
        sb.append("\n  ").append(unexpectedLabel).append(" (").append(unexpected.size()).append("): ")
            .append(plainList(u, unexpected.size()));
      }
      if (!duplicated.isEmpty()) {
        List<String> d = new ArrayList<>();
        duplicated.forEach((item, n) -> d.add(item(item) + " expected " + times(n[0]) + ", received "
            + times(n[1]) + where.apply(item)));
        sb.append("\n  duplicated (").append(duplicated.size()).append("): ").append(plainList(d, d.size()));
      }
      return sb.toString();
    }
  }

  static String times(int n) {
    return n == 1 ? "once" : n + " times";
  }
}
