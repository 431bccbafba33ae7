package io.sluice.run;

import io.sluice.dataflow.Dataflow;
import io.sluice.runtime.Execution;

/**
 * Runs dataflows in this JVM. {@code Sluice.run(flow, 4)} validates the plan, starts 4 worker
 * threads that each run the whole dataflow, waits until every input has ended and every worker
 * finished, and returns the run's statistics. A failure in user code stops all workers and is
 * thrown as one {@link StepFailedException}; no worker thread outlives the call.
 *
 * <p>With {@link RunConfig#withCluster} this process is one of several: it connects to the others
 * through a {@link io.sluice.transport.Transport} before its workers start, and the run ends when
 * every process's workers have finished.
 */
public final class Sluice {
  private Sluice() {}

  /** Runs {@code flow} on {@code workers} threads until it ends. */
  public static RunResult run(Dataflow flow, int workers) {
    return run(flow, RunConfig.workers(workers));
  }

  /** Runs {@code flow} with {@code config} until it ends. */
  public static RunResult run(Dataflow flow, RunConfig config) {
    return start(flow, config).await();
  }

  /** Starts {@code flow} and returns at once; the caller awaits, dumps or cancels it. */
  public static RunningDataflow start(Dataflow flow, RunConfig config) {
    flow.validate();
    checkJvmOptions();
    RunObserver observer = config.observer();
    if (observer == null) {
      return Execution.start(flow, config);
    }
    observer.starting(flow, config);
    Execution run;
    try {
      run = Execution.start(flow, config);
    } catch (RuntimeException | Error e) {
      observer.startFailed(e);
      throw e;
    }
    observer.running(run);
    return run;
  }

  /** The JVM option Sluice needs (Agrona, behind its queues and the Aeron transport, reads jdk.internal.misc.Unsafe). */
  public static final String REQUIRED_JVM_OPTION = "--add-exports java.base/jdk.internal.misc=ALL-UNNAMED";

  /**
   * Fails with what to add where, instead of an {@code IllegalAccessError} from deep inside Agrona,
   * when this JVM was started without {@link #REQUIRED_JVM_OPTION}.
   */
  static void checkJvmOptions() {
    if (!Object.class.getModule().isExported("jdk.internal.misc", Sluice.class.getModule())) {
      throw new IllegalStateException("Sluice needs the JVM option " + REQUIRED_JVM_OPTION + " (its queues and the"
          + " Aeron transport use Agrona, which reads jdk.internal.misc.Unsafe). Add it to the java command line; for"
          + " tests, to Maven Surefire's and Failsafe's <argLine>" + REQUIRED_JVM_OPTION + "</argLine>, or in Gradle"
          + " to test { jvmArgs '--add-exports', 'java.base/jdk.internal.misc=ALL-UNNAMED' }. bin/sluice adds it.");
    }
  }
}
