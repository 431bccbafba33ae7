package io.sluice.testkit;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.testkit.engine.EngineTestKit;

/** Runs {@link Fixture} classes through the JUnit Platform inside a test. */
final class Fixtures {
  static final String PARAMETER = "sluice.testkit.fixtures";

  private Fixtures() {}

  /** The Jupiter engine, configured to run fixtures. */
  static EngineTestKit.Builder engine() {
    return EngineTestKit.engine("junit-jupiter").configurationParameter(PARAMETER, "true");
  }

  /** Enables a fixture only when the engine was launched by {@link #engine()}. */
  static final class OnlyInsideEngineTestKit implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
      return context.getConfigurationParameter(PARAMETER).isPresent()
          ? ConditionEvaluationResult.enabled("run by a test through Fixtures.engine()")
          : ConditionEvaluationResult.disabled("a fixture for another test; it runs through Fixtures.engine()");
    }
  }
}
