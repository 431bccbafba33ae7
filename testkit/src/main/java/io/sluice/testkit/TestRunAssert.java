package io.sluice.testkit;

import io.sluice.run.StepStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.AbstractAssert;

/** Assertions on a finished {@link TestRun}: pick a step, a sink's output, or check blocking. */
public final class TestRunAssert extends AbstractAssert<TestRunAssert, TestRun> {
  TestRunAssert(TestRun actual) {
    super(actual, TestRunAssert.class);
  }

  /**
   * Assertions on one step: key placement (keyed steps), spread over workers, skew. Fails at once,
   * listing the flow's steps, if there is no such step.
   */
  public StepAssert step(String stepId) {
    isNotNull();
    if (!actual.hasStep(stepId)) {
      failWithMessage("%s", actual.noSuchStep(stepId));
    }
    return new StepAssert(actual, stepId);
  }

  /** Assertions on what {@code sink} received in this run. */
  public <T> OutputAssert<T> output(TestSink<T> sink) {
    isNotNull();
    return new OutputAssert<>(actual.output(sink));
  }

  /**
   * No activation of any step held its worker longer than {@code threshold}: the engine's
   * slow-activation warning (a step that blocks, e.g. sleeps) as a test failure that names the
   * step, the worker and how long. Opt-in: timing depends on the machine, so choose a threshold
   * far above what the step needs (a cold JVM makes first activations slower).
   */
  public TestRunAssert hasNoStepBlockingLongerThan(Duration threshold) {
    isNotNull();
    List<String> slow = new ArrayList<>();
    for (StepStats s : actual.result().steps().values()) {
      slow.addAll(StepAssert.slowActivations(s, threshold, WorkerNames.of(actual)));
    }
    if (!slow.isEmpty()) {
      failWithMessage("%s", "Expected no step of " + actual.describe() + " to hold its worker longer than "
          + threshold.toMillis() + " ms, but:\n  " + String.join("\n  ", slow)
          + "\nStep code must not block its worker (no sleeping or blocking I/O in a step): every other step on that"
          + " worker waits meanwhile.");
    }
    return this;
  }
}
