package io.sluice.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Repeats a {@link DataflowTest} method once per crash point: the crash points come from static,
 * no-argument methods of the test class (as JUnit's {@code @MethodSource}) returning a
 * {@code Stream}, {@code Iterable} or array of {@link Crash}. Each invocation gets a
 * {@link RecoveryScenario} parameter holding its crash point, its resume configuration
 * ({@link ResumeWith}, else the invocation's own) and a fresh, empty recovery directory, deleted
 * after the invocation.
 *
 * <p>The method runs once per (processes, workers, crash point, resume processes, resume workers)
 * combination, named in the report with all of it:
 * {@code [2 processes × 2 workers, crash when step 'count' sees 7 on worker 1, resume at 1 process × 3 workers]}.
 * A combination whose crash names a worker the configuration does not have
 * ({@link Crash#onWorker} 3 at 2 workers) is reported as skipped, with that reason.
 *
 * <pre>
 * &#64;DataflowTest(workers = {1, 2}, processes = {1, 2})
 * &#64;CrashPoints("crashes")
 * &#64;ResumeWith(workers = {1, 3}, processes = 1)
 * void countsSurviveEveryCrash(DataflowRunner runner, RecoveryScenario scenario) {
 *   TestRun reference = runner.run(countFlow(ref));
 *   CrashedRun crashed = scenario.runUntilCrash(runner, countFlow(before));
 *   TestRun resumed = scenario.resume(runner, countFlow(after));
 *   assertThat(scenario.compare(reference.output(ref), crashed.output(before), resumed.output(after)))
 *       .lostNothing().duplicatedOnlyAfterTheSnapshot().endsInTheSameStateAsTheUninterruptedRun();
 * }
 *
 * static Stream&lt;Crash&gt; crashes() {
 *   return Stream.of(Crash.whenStepSeesItemNumber("count", 20), Crash.atCloseOfEpoch(7).onWorker(1));
 * }
 * </pre>
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface CrashPoints {
  /** Names of static, no-argument methods of the test class (or an enclosing class) giving the crash points. */
  String[] value();
}
