package io.sluice.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The configurations a {@link CrashPoints} test resumes at, in {@link DataflowTest}'s terms:
 * workers per process and processes. Each crash point runs once per (processes, workers) pair
 * listed here, and {@link RecoveryScenario#resume} runs at it. Without this annotation a crash
 * point resumes at the invocation's own configuration.
 *
 * <p>{@code @ResumeWith(workers = {1, 3})} after {@code @DataflowTest(workers = 2, processes = {1, 2})}
 * resumes the 2-worker runs at 1 and 3 workers, in as many processes as the crashed run had
 * (Sluice rescales: each key's state is rebuilt on the worker that owns it at the new count).
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface ResumeWith {
  /** Worker counts per process to resume at; empty means the crashed run's. */
  int[] workers() default {};

  /**
   * Process counts to resume at; empty means the crashed run's. More than one needs
   * {@code sluice-aeron-transport} on the test classpath, as {@link DataflowTest#processes()} does.
   */
  int[] processes() default {};
}
