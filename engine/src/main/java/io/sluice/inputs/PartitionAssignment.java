package io.sluice.inputs;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;

/**
 * Deterministic, even assignment of partitions to primary workers. Partitions are taken in order
 * of fewest candidate workers first (then by name); each goes to the candidate with the fewest
 * primaries so far (then the lowest index). Every process computes the same answer from the same
 * input. With all workers as candidates this deals partitions round-robin in name order, so with
 * more workers than partitions the highest-indexed workers read nothing.
 */
public final class PartitionAssignment {
  private PartitionAssignment() {}

  /**
   * @param candidates for each partition, the workers that can read it (non-empty)
   * @return for each partition, its primary worker
   */
  public static Map<String, Integer> assign(Map<String, ? extends SortedSet<Integer>> candidates) {
    List<String> order = new ArrayList<>(candidates.keySet());
    order.sort(Comparator.<String>comparingInt(p -> candidates.get(p).size()).thenComparing(Comparator.naturalOrder()));
    Map<Integer, Integer> load = new HashMap<>();
    Map<String, Integer> primaries = new TreeMap<>();
    for (String partition : order) {
      SortedSet<Integer> workers = candidates.get(partition);
      if (workers.isEmpty()) {
        throw new IllegalArgumentException("partition '" + partition + "' has no candidate worker");
      }
      int best = -1;
      for (int w : workers) {
        if (best < 0 || load.getOrDefault(w, 0) < load.getOrDefault(best, 0)) {
          best = w;
        }
      }
      load.merge(best, 1, Integer::sum);
      primaries.put(partition, best);
    }
    return primaries;
  }

  /** Assignment when every one of {@code workerCount} workers can read every partition. */
  public static Map<String, Integer> assign(List<String> partitions, int workerCount) {
    if (workerCount <= 0) {
      throw new IllegalArgumentException("workerCount must be positive, got " + workerCount);
    }
    SortedSet<Integer> all = new java.util.TreeSet<>();
    for (int w = 0; w < workerCount; w++) {
      all.add(w);
    }
    Map<String, SortedSet<Integer>> candidates = new HashMap<>();
    for (String p : partitions) {
      if (candidates.put(p, all) != null) {
        throw new IllegalArgumentException("duplicate partition name '" + p + "'");
      }
    }
    return assign(candidates);
  }
}
