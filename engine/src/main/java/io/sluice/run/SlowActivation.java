package io.sluice.run;

import java.time.Duration;

/** One activation of a step that held its worker longer than the configured threshold. */
public record SlowActivation(String stepId, int worker, Duration duration) {
  @Override
  public String toString() {
    return "step '" + stepId + "' held worker " + worker + " for " + duration.toMillis() + " ms";
  }
}
