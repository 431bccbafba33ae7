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
    return Execution.start(flow, config);
  }
}
