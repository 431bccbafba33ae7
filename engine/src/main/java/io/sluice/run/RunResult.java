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
}
