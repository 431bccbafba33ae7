package io.sluice.testkit;

import io.sluice.dataflow.Dataflow;
import io.sluice.recovery.RecoveryStore;
import java.nio.file.Path;
import java.util.Objects;

/**
 * One invocation of a {@link CrashPoints} test: where the run crashes, the configuration it resumes
 * at, and a recovery directory of its own. {@link DataflowTest} injects it as a parameter; the
 * directory is fresh and empty when the invocation starts and deleted when it ends, so invocations
 * never see each other's snapshots.
 *
 * <p>A test uses it in three steps: {@link #runUntilCrash} with the injected runner (the crashed
 * run's configuration), {@link #resume} (the same flow, same input, at {@link #resumeProcesses()}
 * × {@link #resumeWorkers()}), then {@link #compare} with an uninterrupted run to assert Sluice's
 * at-least-once guarantee with {@link RecoveryRunAssert}. The runner passed in carries the test's
 * other settings (epoch interval, timeout, serde check); the scenario adds the recovery directory,
 * the crash and, for the resume, the resume configuration.
 *
 * <p>What it lets a test check is Sluice's recovery guarantee, at-least-once, following Bytewax's
 * recovery model: nothing a complete snapshot covers is lost, output after the last complete epoch
 * may be written again, and the final state equals an uninterrupted run's ({@link RecoveryRun}).
 * The repetition follows JUnit's test templates: each (configuration, crash point, resume
 * configuration) is an invocation of its own, reported, failed or skipped on its own.
 *
 * <p>Not thread-safe: one invocation, one test thread.
 */
public final class RecoveryScenario {
  private final Crash crash;
  private final int processes;
  private final int workers;
  private final int resumeProcesses;
  private final int resumeWorkers;
  private final Path directory;
  private long resumeEpoch = -1;

  RecoveryScenario(Crash crash, int processes, int workers, int resumeProcesses, int resumeWorkers, Path directory) {
    this.crash = Objects.requireNonNull(crash, "crash");
    this.processes = processes;
    this.workers = workers;
    this.resumeProcesses = resumeProcesses;
    this.resumeWorkers = resumeWorkers;
    this.directory = Objects.requireNonNull(directory, "directory");
  }

  /** Where the run crashes. */
  public Crash crash() {
    return crash;
  }

  /** The recovery directory of this invocation (made a store of {@link DataflowRunner#DEFAULT_RECOVERY_PARTITIONS} partitions by the first run). */
  public Path directory() {
    return directory;
  }

  /** Processes of the resumed run. */
  public int resumeProcesses() {
    return resumeProcesses;
  }

  /** Workers per process of the resumed run. */
  public int resumeWorkers() {
    return resumeWorkers;
  }

  /**
   * Runs {@code flow} with {@code runner}'s settings, recovering into {@link #directory()}, until
   * {@link #crash()} fires; then notes the newest complete epoch in the store, the one the resume
   * starts from ({@link #resumeEpoch()}).
   *
   * @throws AssertionError if the run finished without reaching the crash point
   */
  public CrashedRun runUntilCrash(DataflowRunner runner, Dataflow flow) {
    CrashedRun crashed = runner.withRecovery(directory).runUntilCrash(flow, crash);
    resumeEpoch = RecoveryStore.inspect(directory).newestCompleteEpoch();
    return crashed;
  }

  /**
   * The runner a resume uses: {@code runner}'s settings at {@link #resumeProcesses()} ×
   * {@link #resumeWorkers()}, recovering from {@link #directory()}. For tests that crash again
   * before resuming for good.
   */
  public DataflowRunner resuming(DataflowRunner runner) {
    return runner.atWorkers(resumeWorkers).withProcesses(resumeProcesses).withRecovery(directory);
  }

  /**
   * Runs {@code flow} to its end as the resume: {@link #resuming(DataflowRunner) resuming(runner)}.run(flow).
   * If no {@link #runUntilCrash} came first (a test that crashed the run another way), the newest
   * complete epoch in the store when this starts is taken as the {@link #resumeEpoch()}.
   */
  public TestRun resume(DataflowRunner runner, Dataflow flow) {
    DataflowRunner r = resuming(runner);
    if (resumeEpoch < 0) {
      resumeEpoch = RecoveryStore.inspect(directory).newestCompleteEpoch();
    }
    return r.run(flow);
  }

  /**
   * The newest epoch complete in the store after the crash: the one the resume starts from (0 if
   * the crash came before any epoch completed).
   *
   * @throws IllegalStateException before {@link #runUntilCrash} or {@link #resume}
   */
  public long resumeEpoch() {
    if (resumeEpoch < 0) {
      throw new IllegalStateException("no crash yet: call runUntilCrash (or resume) first");
    }
    return resumeEpoch;
  }

  /**
   * Compares the crashed and resumed outputs of one sink with an uninterrupted run's:
   * {@link RecoveryRun#of(SinkOutput, SinkOutput, long, SinkOutput)} from {@link #resumeEpoch()}.
   */
  public <T> RecoveryRun<T> compare(SinkOutput<T> reference, SinkOutput<T> crashed, SinkOutput<T> resumed) {
    return RecoveryRun.of(reference, crashed, resumeEpoch(), resumed);
  }

  /** The invocation's name without brackets: {@code 2 workers, crash when step 'count' sees 7, resume at 3 workers}. */
  @Override
  public String toString() {
    return describe(processes, workers, crash, resumeProcesses, resumeWorkers);
  }

  static String describe(int processes, int workers, Crash crash, int resumeProcesses, int resumeWorkers) {
    boolean namesProcesses = processes > 1 || resumeProcesses > 1;
    return Texts.deployment(processes, workers) + ", " + crash.describe(new WorkerNames(processes, workers)) + ", resume at "
        + (namesProcesses ? Texts.deploymentWithProcesses(resumeProcesses, resumeWorkers)
            : Texts.deployment(resumeProcesses, resumeWorkers));
  }
}
