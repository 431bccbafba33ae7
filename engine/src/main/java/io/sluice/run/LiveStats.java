package io.sluice.run;

import java.util.List;

/**
 * What a running dataflow has done so far in this process, read while it runs
 * ({@link RunningDataflow#liveStats()}): one row per step and local worker, plus the process's
 * state and current epoch. The counters are read from the worker threads without stopping them:
 * each is a value the counter really had, but rows may be a few activations apart. Counters only
 * grow; once the run has ended they equal the {@link RunResult}'s.
 *
 * @param flowName          the dataflow's name
 * @param processId         this process's index in the cluster (0 for one process)
 * @param processes         processes in the cluster
 * @param workersPerProcess worker threads per process
 * @param state             whether the run is running, finished or failed
 * @param failure           the failure's message when {@code state} is {@link State#FAILED}, else null
 * @param epoch             the oldest epoch a worker of this process has open (items are read in it
 *                          or a later one; 1 at a fresh start; see {@link RunConfig#epochInterval()})
 * @param completedEpoch    the newest epoch complete in the whole cluster (every worker closed it
 *                          and, with recovery, wrote its snapshots); 0 if none or not known here
 * @param elapsedNanos      nanoseconds since the run started (until it ended, once it has)
 * @param steps             one row per step (plan order) and local worker (ascending)
 */
public record LiveStats(String flowName, int processId, int processes, int workersPerProcess, State state,
    String failure, long epoch, long completedEpoch, long elapsedNanos, List<Step> steps) {

  /** Where the run is. */
  public enum State {
    /** Workers are running. */
    RUNNING,
    /** Every worker finished (in a cluster: every process) without a failure. */
    FINISHED,
    /** The run failed or was cancelled. */
    FAILED
  }

  public LiveStats {
    steps = List.copyOf(steps);
  }

  /**
   * One step on one worker.
   *
   * @param stepId             the step's id
   * @param kind               the step's kernel kind, as in {@link io.sluice.dataflow.FlowGraph.Node#kind()}
   * @param exchanges          whether items are exchanged between workers into this step
   * @param worker             the global worker index
   * @param itemsIn            items the step received on this worker (for an input step: 0)
   * @param itemsOut           items the step emitted on this worker
   * @param batchesOut         batches the step emitted on this worker
   * @param activations        times the step's code ran on this worker
   * @param activationNanos    total nanoseconds of those activations
   * @param maxActivationNanos the longest activation, in nanoseconds
   * @param queueDepth         exchange steps: batches waiting in this worker's inbound channels
   *                           from workers of this process (remote peers' queues are the
   *                           transport's); -1 for other steps
   * @param backPressuredNanos exchange steps: nanoseconds this worker held messages back because a
   *                           target channel was full; 0 for other steps
   * @param watermarkMillis    steps whose logic keeps a watermark (window steps,
   *                           {@link io.sluice.dataflow.Watermarked}): the newest watermark any of the
   *                           step's keys reached on this worker, in ms since the epoch;
   *                           {@link Long#MIN_VALUE} for other steps and before the first item
   * @param watermarkLagMillis the run's time (virtual time under virtual time) minus
   *                           {@code watermarkMillis}, in ms, as of the last time a key's logic ran
   *                           on this worker; 0 when there is no watermark
   */
  public record Step(String stepId, String kind, boolean exchanges, int worker, long itemsIn, long itemsOut,
      long batchesOut, long activations, long activationNanos, long maxActivationNanos, int queueDepth,
      long backPressuredNanos, long watermarkMillis, long watermarkLagMillis) {

    /** A row of a step without a watermark. */
    public Step(String stepId, String kind, boolean exchanges, int worker, long itemsIn, long itemsOut,
        long batchesOut, long activations, long activationNanos, long maxActivationNanos, int queueDepth,
        long backPressuredNanos) {
      this(stepId, kind, exchanges, worker, itemsIn, itemsOut, batchesOut, activations, activationNanos,
          maxActivationNanos, queueDepth, backPressuredNanos, Long.MIN_VALUE, 0);
    }

    /** Whether the step keeps a watermark on this worker and has one ({@link #watermarkMillis()}). */
    public boolean hasWatermark() {
      return watermarkMillis != Long.MIN_VALUE;
    }
  }
}
