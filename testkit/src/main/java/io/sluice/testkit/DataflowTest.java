package io.sluice.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.TestTemplate;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs a test method once per worker count, each time with a {@link DataflowRunner} for that
 * count injected as a parameter. Each invocation is named in the report: {@code [1 worker]},
 * {@code [4 workers]}.
 *
 * <pre>
 * &#64;DataflowTest(workers = {1, 2, 4})
 * void countsAFewLines(DataflowRunner runner) {
 *   TestSink&lt;String&gt; out = new TestSink&lt;&gt;();
 *   TestRun run = runner.run(WordCount.flow(TestSource.of("The cat", "the dog"), out));
 *   assertThat(run.output(out)).containsExactlyInAnyOrder("the\t2", "cat\t1", "dog\t1");
 * }
 * </pre>
 *
 * <p>On a test class, it gives defaults to the class's {@code @DataflowTest} methods: a method's
 * attribute wins where the method sets it; {@link #serdeCheck()} is on if either turns it on.
 * Without any setting the worker counts are {1, 2, 4} and each run may take 30 s.
 *
 * <p>Every run a runner starts records the keys each worker saw in keyed steps, so placement
 * assertions always have data.
 *
 * <p>With {@link CrashPoints} (and optionally {@link ResumeWith}) on the method, it runs once per
 * (processes, workers, crash point, resume processes, resume workers), named with all of it,
 * {@code [2 processes × 2 workers, crash when step 'count' sees 7 on worker 3, resume at 1 process × 3 workers]},
 * and a {@link RecoveryScenario} with a fresh recovery directory is injected besides the runner.
 */
@Target({ElementType.METHOD, ElementType.TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@TestTemplate
@ExtendWith(DataflowTestExtension.class)
public @interface DataflowTest {
  /** Worker counts per process to run the method with, once each; empty means the class's, else {1, 2, 4}. */
  int[] workers() default {};

  /**
   * Process counts; empty means the class's, else {1}. The method runs once per (processes,
   * workers) pair; with more than one process an invocation is named
   * {@code [2 processes × 4 workers]} and each run is a cluster inside the test JVM: one engine
   * instance per process, each with its own Aeron client and UDP port (on one media driver shared
   * by the JVM), so items really cross the transport and its serializer. Needs
   * {@code sluice-aeron-transport} on the test classpath.
   */
  int[] processes() default {};

  /**
   * How long one {@link DataflowRunner#run run} may take before it is stopped and the test fails
   * with every worker's state; 0 or less means the class's, else 30 000 ms.
   */
  long timeoutMillis() default 0;

  /**
   * Whether every item crossing between workers round-trips through serialization, even in one
   * process, as it would between processes, so a type that cannot cross fails the test with its
   * name. With {@code sluice-aeron-transport} on the test classpath this is the serde processes
   * really use ({@link DataflowRunner#withTransportSerdeCheck()}: only the flow's registered types
   * and the JDK's and Sluice's own are created from bytes); without it, Java serialization.
   */
  boolean serdeCheck() default false;

  /**
   * Only for the Java-serialization check (no transport on the classpath): package or class-name
   * prefixes it may deserialize, besides the JDK's value types, Sluice's own and the test class's
   * package (e.g. {@code "com.acme.events."}).
   */
  String[] serdeAllow() default {};
}
