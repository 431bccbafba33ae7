package io.sluice.run;

import io.sluice.serde.Serde;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

/**
 * How to run a dataflow: workers per process and the runtime's knobs. Immutable; each
 * {@code with*} method returns a changed copy.
 *
 * @param workersPerProcess       worker threads in this process (at least 1)
 * @param processes               processes in the cluster (1 until the Aeron transport is present)
 * @param processId               this process's index, 0-based
 * @param epochInterval           how long an epoch lasts; items carry the epoch they were read in
 * @param slowActivationThreshold an activation of one step longer than this is logged as a warning
 *                                and listed in {@link RunResult#slowActivations()}
 * @param channelCapacity         batches each worker-to-worker channel holds before the sender waits
 * @param recordKeys              whether keyed steps record the keys each worker saw (for tests)
 * @param serdeCheck              if non-null, every exchanged item round-trips through this serde,
 *                                even inside one process
 * @param idleStrategy            builds each worker's idle strategy (how it backs off with no work)
 */
public record RunConfig(
    int workersPerProcess,
    int processes,
    int processId,
    Duration epochInterval,
    Duration slowActivationThreshold,
    int channelCapacity,
    boolean recordKeys,
    Serde serdeCheck,
    Supplier<IdleStrategy> idleStrategy) {

  /** Default idle strategy: spin briefly, yield, then park 1 µs doubling up to 1 ms. */
  public static final Supplier<IdleStrategy> DEFAULT_IDLE =
      () -> new BackoffIdleStrategy(10, 20, 1_000, 1_000_000);

  public RunConfig {
    if (workersPerProcess < 1) {
      throw new IllegalArgumentException("workers per process must be at least 1, got " + workersPerProcess);
    }
    if (processes < 1) {
      throw new IllegalArgumentException("processes must be at least 1, got " + processes);
    }
    if (processId < 0 || processId >= processes) {
      throw new IllegalArgumentException("process id must be in [0, " + processes + "), got " + processId);
    }
    Objects.requireNonNull(epochInterval, "epochInterval");
    if (epochInterval.isZero() || epochInterval.isNegative()) {
      throw new IllegalArgumentException("epoch interval must be positive, got " + epochInterval);
    }
    Objects.requireNonNull(slowActivationThreshold, "slowActivationThreshold");
    if (channelCapacity < 2) {
      throw new IllegalArgumentException("channel capacity must be at least 2 batches, got " + channelCapacity);
    }
    Objects.requireNonNull(idleStrategy, "idleStrategy");
  }

  /** Defaults: 10 s epochs, 1 s slow-activation threshold, 16-batch channels, no key recording. */
  public static RunConfig workers(int workersPerProcess) {
    return new RunConfig(workersPerProcess, 1, 0, Duration.ofSeconds(10), Duration.ofSeconds(1), 16, false, null,
        DEFAULT_IDLE);
  }

  /** Total workers in the cluster: processes × workers per process. */
  public int workerCount() {
    return processes * workersPerProcess;
  }

  public RunConfig withWorkers(int n) {
    return new RunConfig(n, processes, processId, epochInterval, slowActivationThreshold, channelCapacity, recordKeys,
        serdeCheck, idleStrategy);
  }

  public RunConfig withCluster(int processes, int processId) {
    return new RunConfig(workersPerProcess, processes, processId, epochInterval, slowActivationThreshold,
        channelCapacity, recordKeys, serdeCheck, idleStrategy);
  }

  public RunConfig withEpochInterval(Duration d) {
    return new RunConfig(workersPerProcess, processes, processId, d, slowActivationThreshold, channelCapacity,
        recordKeys, serdeCheck, idleStrategy);
  }

  public RunConfig withSlowActivationThreshold(Duration d) {
    return new RunConfig(workersPerProcess, processes, processId, epochInterval, d, channelCapacity, recordKeys,
        serdeCheck, idleStrategy);
  }

  public RunConfig withChannelCapacity(int batches) {
    return new RunConfig(workersPerProcess, processes, processId, epochInterval, slowActivationThreshold, batches,
        recordKeys, serdeCheck, idleStrategy);
  }

  public RunConfig withRecordKeys(boolean record) {
    return new RunConfig(workersPerProcess, processes, processId, epochInterval, slowActivationThreshold,
        channelCapacity, record, serdeCheck, idleStrategy);
  }

  public RunConfig withSerdeCheck(Serde serde) {
    return new RunConfig(workersPerProcess, processes, processId, epochInterval, slowActivationThreshold,
        channelCapacity, recordKeys, serde, idleStrategy);
  }

  public RunConfig withIdleStrategy(Supplier<IdleStrategy> idle) {
    return new RunConfig(workersPerProcess, processes, processId, epochInterval, slowActivationThreshold,
        channelCapacity, recordKeys, serdeCheck, idle);
  }
}
