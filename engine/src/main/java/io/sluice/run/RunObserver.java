package io.sluice.run;

import io.sluice.dataflow.Dataflow;
import java.util.function.LongConsumer;

/**
 * Watches one run in this process: the hook through which metrics (the {@code sluice-metrics}
 * module) and health checks see a run. Set it with {@link RunConfig#withObserver}. Its methods
 * are called in this order by {@link Sluice#start}: {@link #starting} before this process connects
 * to the cluster, {@link #activationListener} once per step and local worker while the workers
 * build their steps (on the worker threads), then {@link #running} once every process has
 * connected, or {@link #startFailed} if the run could not start. What happens after that the
 * observer reads from {@link RunningDataflow#liveStats()}, which works from any thread.
 *
 * <p>Methods must return quickly and not throw; an observer is used for one run at a time.
 */
public interface RunObserver extends AutoCloseable {
  /** The run of {@code flow} is about to start (and, in a cluster, connect). */
  default void starting(Dataflow flow, RunConfig config) {}

  /**
   * Returns what to tell of every activation of {@code stepId} on {@code worker} (its duration in
   * nanoseconds), or null for nothing. Called on the worker's thread as it builds its steps; the
   * listener is then called on that thread only, after each activation, so it must be cheap.
   */
  default LongConsumer activationListener(String stepId, int worker) {
    return null;
  }

  /** Every process has connected and this process's workers have started. */
  default void running(RunningDataflow run) {}

  /** The run failed before its workers started (e.g. a peer did not connect). */
  default void startFailed(Throwable failure) {}

  /**
   * With recovery on, this process's recovery writer finished writing one batch of snapshots to
   * the store: {@code snapshots} keys and partition states ({@code bytes} bytes of serialized keys
   * and states) for epochs up to {@code epoch}, which took {@code nanos} nanoseconds of writing
   * (serializing on the workers not included). Called on the writer thread.
   */
  default void snapshotsWritten(long epoch, long snapshots, long bytes, long nanos) {}

  /** Releases what the observer holds (an HTTP server, meters); the default does nothing. */
  @Override
  default void close() {}
}
