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
 * observer reads from {@link RunningDataflow#liveStats()}, which works from any thread; besides,
 * {@link #clientOpened}/{@link #clientClosed} tell of source partitions' clients (on the worker
 * threads, as partitions open and close) and {@link #snapshotsWritten} of recovery writes (on the
 * recovery writer's thread).
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
   * the store: {@code snapshots} keys and partition states ({@code bytes} bytes of the chunks
   * written: encoded keys and states) for epochs up to {@code epoch}, which took {@code nanos}
   * nanoseconds on the writer thread (encoding there and the SQLite writes; states a worker
   * serialized itself not included). Called on the writer thread.
   */
  default void snapshotsWritten(long epoch, long snapshots, long bytes, long nanos) {}

  /**
   * A source partition opened on {@code worker} hands out a client that keeps metrics of its own
   * ({@link io.sluice.inputs.InstrumentedPartition}, e.g. the Kafka source's {@code KafkaConsumer}),
   * so that the observer can bind them (the {@code sluice-metrics} module binds Kafka clients with
   * Micrometer's {@code KafkaClientMetrics}). Called on the worker's thread right after the
   * partition opened; {@link #clientClosed} follows, with the same arguments, right before it
   * closes. The observer must not use the client for anything but reading its metrics.
   *
   * @param stepId    the input step
   * @param worker    the global worker index reading the partition
   * @param partition the partition's name
   * @param client    what {@link io.sluice.inputs.InstrumentedPartition#metricsClient()} returned (non-null)
   */
  default void clientOpened(String stepId, int worker, String partition, Object client) {}

  /** The partition {@link #clientOpened} told of is about to close (on the worker's thread). */
  default void clientClosed(String stepId, int worker, String partition, Object client) {}

  /** Releases what the observer holds (an HTTP server, meters); the default does nothing. */
  @Override
  default void close() {}
}
