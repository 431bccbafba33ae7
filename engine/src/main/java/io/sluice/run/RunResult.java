package io.sluice.run;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What a finished run did: per-step, per-worker statistics and the slow activations seen. */
public final class RunResult {
  private final String flowName;
  private final int workerCount;
  private final Duration duration;
  private final Map<String, StepStats> steps;
  private final List<SlowActivation> slowActivations;

  public RunResult(String flowName, int workerCount, Duration duration, Map<String, StepStats> steps,
      List<SlowActivation> slowActivations) {
    this.flowName = flowName;
    this.workerCount = workerCount;
    this.duration = duration;
    this.steps = Collections.unmodifiableMap(new LinkedHashMap<>(steps));
    this.slowActivations = List.copyOf(slowActivations);
  }

  public String flowName() {
    return flowName;
  }

  public int workerCount() {
    return workerCount;
  }

  /** Wall-clock time from start until every worker finished. */
  public Duration duration() {
    return duration;
  }

  /** Statistics of every kernel step, in plan order. */
  public Map<String, StepStats> steps() {
    return steps;
  }

  /** Statistics of one step. */
  public StepStats step(String stepId) {
    StepStats s = steps.get(stepId);
    if (s == null) {
      throw new IllegalArgumentException("no step '" + stepId + "' in dataflow '" + flowName + "'; steps: " + steps.keySet());
    }
    return s;
  }

  /** Activations that held a worker longer than {@link RunConfig#slowActivationThreshold()}. */
  public List<SlowActivation> slowActivations() {
    return slowActivations;
  }

  /**
   * Combines the results of the processes of one cluster run (each holds statistics only for its
   * own workers) into one result covering every worker. Duration is the longest.
   *
   * @throws IllegalArgumentException if the results are not of the same dataflow and cluster size
   */
  public static RunResult merge(List<RunResult> perProcess) {
    if (perProcess.isEmpty()) {
      throw new IllegalArgumentException("nothing to merge");
    }
    RunResult first = perProcess.get(0);
    Map<String, StepStats> merged = new LinkedHashMap<>();
    List<SlowActivation> slow = new java.util.ArrayList<>();
    Duration longest = Duration.ZERO;
    for (RunResult r : perProcess) {
      if (!r.flowName.equals(first.flowName) || r.workerCount != first.workerCount
          || !r.steps.keySet().equals(first.steps.keySet())) {
        throw new IllegalArgumentException("cannot merge results of different runs: " + first.flowName + "/"
            + first.workerCount + " workers and " + r.flowName + "/" + r.workerCount + " workers");
      }
      slow.addAll(r.slowActivations);
      longest = r.duration.compareTo(longest) > 0 ? r.duration : longest;
    }
    for (String id : first.steps.keySet()) {
      int n = first.workerCount;
      long[] in = new long[n];
      long[] out = new long[n];
      long[] max = new long[n];
      List<Map<Object, Long>> keys = new java.util.ArrayList<>(java.util.Collections.nCopies(n, null));
      for (RunResult r : perProcess) {
        StepStats s = r.steps.get(id);
        boolean recorded = s.keysRecorded();
        for (int w = 0; w < n; w++) {
          in[w] += s.itemsIn(w);
          out[w] += s.itemsOut(w);
          max[w] = Math.max(max[w], s.maxActivation(w).toNanos());
          if (recorded) {
            Map<Object, Long> k = keys.get(w) != null ? keys.get(w) : new java.util.LinkedHashMap<>();
            keys.set(w, k);
            // merged by routing identity: equal byte[] keys from two processes are one key
            s.keyItems(w).forEach((key, items) -> k.merge(io.sluice.inputs.Routing.identity(key), items, Long::sum));
          }
        }
      }
      merged.put(id, new StepStats(id, in, out, keys, max));
    }
    return new RunResult(first.flowName, first.workerCount, longest, merged, slow);
  }
}
