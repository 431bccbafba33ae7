package io.sluice.testkit;

import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.Step;
import io.sluice.run.RunConfig;
import io.sluice.run.RunResult;
import io.sluice.run.RunTimeoutException;
import io.sluice.run.RunningDataflow;
import io.sluice.run.Sluice;
import io.sluice.run.StepFailedException;
import io.sluice.serde.JavaSerde;
import io.sluice.serde.Serde;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * Runs dataflows on the real engine, in this JVM, for a test: a fixed worker count, a timeout per
 * run, key recording always on, and optionally the serde check. {@link DataflowTest} injects one
 * per invocation; {@link #withWorkers(int)} makes one anywhere else. Immutable: the {@code with*}
 * methods return changed copies.
 *
 * <p>What a run guarantees:
 * <ul>
 *   <li>it returns only when every worker thread has finished, with every {@link TestSink} in the
 *       flow holding exactly this run's output (sinks are cleared when the run starts);</li>
 *   <li>a run that does not finish within {@link #timeout()} is stopped and fails with a
 *       {@link DataflowTimeoutError} that holds every worker's state; its threads are gone when
 *       the error is thrown (or the message names those stuck in user code);</li>
 *   <li>an exception in user code fails the run with the engine's {@link StepFailedException}
 *       naming the step, the worker and the item, with the user's exception as cause.</li>
 * </ul>
 *
 * <p>Time is virtual unless {@link #withSystemClock()} says otherwise: every run starts at
 * {@link #VIRTUAL_ORIGIN} and time moves only where a {@link Script} advances it, so timers,
 * {@code collect} timeouts and windows fire at the same points in every run and at every worker
 * and process count, with no real waiting.
 */
public final class DataflowRunner {
  /** Where virtual time starts in every run: 2026-01-01T00:00:00Z. */
  // in seconds, not parsed: Instant.parse loads ~70 java.time formatting classes in a JVM's first test
  public static final java.time.Instant VIRTUAL_ORIGIN = java.time.Instant.ofEpochSecond(1_767_225_600L);
  /** Recovery partitions {@link #withRecovery} creates in an empty directory. */
  public static final int DEFAULT_RECOVERY_PARTITIONS = 4;
  /** Timeout of a run unless set. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
  /** Worker counts {@link #workerCounts()} lists unless set. */
  public static final List<Integer> DEFAULT_WORKER_COUNTS = List.of(1, 2, 4);

  private final RunConfig config;
  private final int processes;
  private final Duration timeout;
  private final List<Integer> workerCounts;
  /** Whether each run's serde check is the transport's serde for that run's flow. */
  private final boolean transportSerdeCheck;
  /**
   * The outputs {@link DataflowAssert#hasSameOutputAtEveryWorkerCount} already compared in this
   * {@link DataflowTest} method (shared by its invocations), or null outside one.
   */
  final SameOutputMemo sameOutputMemo;

  private DataflowRunner(RunConfig config, int processes, Duration timeout, List<Integer> workerCounts,
      boolean transportSerdeCheck) {
    this(config, processes, timeout, workerCounts, transportSerdeCheck, null);
  }

  private DataflowRunner(RunConfig config, int processes, Duration timeout, List<Integer> workerCounts,
      boolean transportSerdeCheck, SameOutputMemo sameOutputMemo) {
    this.transportSerdeCheck = transportSerdeCheck;
    this.sameOutputMemo = sameOutputMemo;
    if (processes < 1) {
      throw new IllegalArgumentException("processes must be at least 1, got " + processes);
    }
    this.config = config.withRecordKeys(true);
    this.processes = processes;
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    if (timeout.isZero() || timeout.isNegative()) {
      throw new IllegalArgumentException("a run's timeout must be positive, got " + timeout);
    }
    this.workerCounts = List.copyOf(workerCounts);
  }

  /** A runner for {@code workers} worker threads, default timeout, no serde check. */
  public static DataflowRunner withWorkers(int workers) {
    return new DataflowRunner(RunConfig.workers(workers).withVirtualTime(VIRTUAL_ORIGIN)
        .withEmitObserver(EmitCheck.ENABLED), 1, DEFAULT_TIMEOUT,
        DEFAULT_WORKER_COUNTS, false);
  }

  /**
   * How many workers each process of a run has. The testkit always counts workers per process:
   * {@link DataflowTest#workers()}, this method and messages ({@code "2 processes × 4 workers"})
   * alike.
   *
   * @return workers per process
   */
  public int workers() {
    return config.workersPerProcess();
  }

  /**
   * Same as {@link #workers()}.
   *
   * @return workers per process
   * @deprecated use {@link #workers()}, which now means workers per process everywhere in the testkit
   */
  @Deprecated
  public int workersPerProcess() {
    return config.workersPerProcess();
  }

  /**
   * How many workers a run has in all, {@link #processes()} × {@link #workers()}: the count
   * {@link io.sluice.inputs.Routing#workerFor} places keys over, and the range of worker indexes.
   *
   * @return the total worker count
   */
  public int totalWorkers() {
    return processes * config.workersPerProcess();
  }

  /** The same runner whose same-output checks are remembered in {@code memo}. */
  DataflowRunner withSameOutputMemo(SameOutputMemo memo) {
    return new DataflowRunner(config, processes, timeout, workerCounts, transportSerdeCheck, memo);
  }

  /**
   * How many processes a run has. With more than one, each run is a cluster inside this JVM:
   * separate engine instances, each with its own Aeron client and UDP port (on one media driver
   * shared by the JVM), exchanging through the real transport and serde (needs
   * {@code sluice-aeron-transport} on the test classpath). Every process runs the same {@link Dataflow} object, so a {@link TestSink}
   * collects the output of all of them and {@link TestRun} has every worker's statistics.
   */
  public int processes() {
    return processes;
  }

  /** The same runner with {@code processes} processes of {@link #workers()} workers each. */
  public DataflowRunner withProcesses(int processes) {
    return new DataflowRunner(config, processes, timeout, workerCounts, transportSerdeCheck, sameOutputMemo);
  }

  /**
   * The worker counts of the whole test (a {@link DataflowTest}'s {@code workers}), for assertions
   * that run a flow at each of them; {1, 2, 4} outside one.
   */
  public List<Integer> workerCounts() {
    return workerCounts;
  }

  /** How long one run may take. */
  public Duration timeout() {
    return timeout;
  }

  /** The engine configuration of each run (key recording is always on). */
  public RunConfig config() {
    return config;
  }

  /** The same runner with {@code workers} workers. */
  public DataflowRunner atWorkers(int workers) {
    return new DataflowRunner(config.withWorkers(workers), processes, timeout, workerCounts, transportSerdeCheck, sameOutputMemo);
  }

  /** The same runner with another timeout per run. */
  public DataflowRunner withTimeout(Duration timeout) {
    return new DataflowRunner(config, processes, timeout, workerCounts, transportSerdeCheck, sameOutputMemo);
  }

  /** The same runner listing other {@link #workerCounts()}. */
  public DataflowRunner withWorkerCounts(List<Integer> counts) {
    if (counts.isEmpty()) {
      throw new IllegalArgumentException("at least one worker count is needed");
    }
    return new DataflowRunner(config, processes, timeout, counts, transportSerdeCheck, sameOutputMemo);
  }

  /**
   * The same runner with every exchanged item round-tripping through {@code serde}, even in one
   * process; {@code null} turns the check off.
   */
  public DataflowRunner withSerdeCheck(Serde serde) {
    return new DataflowRunner(config.withSerdeCheck(serde), processes, timeout, workerCounts, false, sameOutputMemo);
  }

  /**
   * The same runner with every exchanged item round-tripping, even in one process, through the
   * serde processes really exchange items with: the Aeron transport's default for the run's flow,
   * which creates only JDK value types, Sluice's own and the flow's
   * {@link Dataflow#registerTypes registered types}. A type that would fail between processes
   * (unregistered, or one the serde cannot write) fails the test with its name.
   *
   * @throws IllegalStateException if sluice-aeron-transport is not on the test classpath
   */
  public DataflowRunner withTransportSerdeCheck() {
    if (!ClusterRuns.available()) {
      throw new IllegalStateException("the transport's serde check: " + ClusterRuns.MISSING);
    }
    return new DataflowRunner(config.withSerdeCheck(null), processes, timeout, workerCounts, true, sameOutputMemo);
  }

  /** Whether runs check that exchanged items survive serialization. */
  public boolean checksSerde() {
    return transportSerdeCheck || config.serdeCheck() != null;
  }

  /**
   * The same runner with the serde check on, using Java serialization that may create the JDK's
   * value types, Sluice's own and classes under {@code allowedPrefixes}.
   */
  public DataflowRunner withSerdeCheck(String... allowedPrefixes) {
    return withSerdeCheck(new JavaSerde(List.of(allowedPrefixes)));
  }

  /** The same runner on the system clock (or {@code RunConfig.clock()}) instead of virtual time: pauses really wait. */
  public DataflowRunner withSystemClock() {
    return withConfig(c -> c.withVirtualTime(null));
  }

  /**
   * The same runner with recovery in {@code dir}: every epoch is snapshotted there and a run
   * resumes from what an earlier run left. An empty or missing directory is made a store of
   * {@link #DEFAULT_RECOVERY_PARTITIONS} partitions first.
   */
  public DataflowRunner withRecovery(java.nio.file.Path dir) {
    boolean empty = true;
    try {
      if (java.nio.file.Files.isDirectory(dir)) {
        try (var entries = java.nio.file.Files.list(dir)) {
          empty = entries.findAny().isEmpty();
        }
      }
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("cannot read recovery directory " + dir + ": " + e.getMessage(), e);
    }
    if (empty) {
      io.sluice.recovery.RecoveryStore.init(dir, DEFAULT_RECOVERY_PARTITIONS);
    }
    return withConfig(c -> c.withRecovery(io.sluice.run.RecoveryConfig.in(dir)));
  }

  /**
   * Runs {@code flow} until {@code crash} fires, and returns what the sinks received before; with
   * {@link #withRecovery recovery}, the store then holds the epochs completed before the crash.
   *
   * @throws AssertionError      if the run finished without reaching the crash point
   * @throws StepFailedException if user code failed first
   */
  public CrashedRun runUntilCrash(Dataflow flow, Crash crash) {
    Map<TestSink<?>, String> sinks = prepareSinks(flow);
    WorkerNames names = new WorkerNames(processes, workers());
    DataflowRunner crashing = withConfig(c -> c.withHook(crash.hook(names)));
    try {
      crashing.execute(flow);
    } catch (RuntimeException e) {
      if (Crash.causedBy(e)) {
        return new CrashedRun(crash, e, snapshot(sinks));
      }
      throw e;
    }
    throw new AssertionError("expected dataflow '" + flow.name() + "' to crash (" + crash.describe(names) + ") on "
        + Texts.deployment(processes, workers()) + ", but it finished");
  }

  /** The same runner with other engine settings (worker count and key recording stay). */
  public DataflowRunner withConfig(UnaryOperator<RunConfig> change) {
    RunConfig c = change.apply(config);
    return new DataflowRunner(c.withWorkers(config.workersPerProcess()), processes, timeout, workerCounts, transportSerdeCheck, sameOutputMemo);
  }

  /**
   * Runs {@code flow} to its end.
   *
   * @throws DataflowTimeoutError if it did not end within {@link #timeout()}
   * @throws StepFailedException  if user code failed
   */
  public TestRun run(Dataflow flow) {
    Map<TestSink<?>, String> sinks = prepareSinks(flow);
    EmitCheck check = EmitCheck.forRun(config, processes);
    RunResult result = execute(flow, check);
    if (check != null) {
      check.verify();
    }
    return new TestRun(flow, result, workers(), snapshot(sinks));
  }

  /**
   * Starts {@code flow} and returns at once with a handle the test drives it through: push items to
   * its {@link InteractiveSource}s, advance time, {@link InteractiveRun#awaitIdle() await} and
   * assert the output so far, read a key's state, then {@link InteractiveRun#end() end} or
   * {@link InteractiveRun#close() close} it. Use it in try-with-resources, so that a failing test
   * still stops the run. The flow's {@link TestSink}s are cleared first, as for {@link #run}.
   *
   * @throws IllegalArgumentException if the flow reads no {@link InteractiveSource}, or one source in two input steps
   * @throws IllegalStateException    if an interactive source is already used by another run, or
   *                                  the runner has several processes or recovery (not supported)
   */
  public InteractiveRun start(Dataflow flow) {
    if (processes != 1) {
      throw new IllegalStateException("interactive runs work in a single process; this runner has " + processes
          + " (completed epochs and key state are known only inside one process without recovery)");
    }
    if (config.recovery() != null) {
      throw new IllegalStateException("interactive runs do not support recovery: an InteractiveSource does not resume");
    }
    List<InteractiveSource<?>> sources = new ArrayList<>();
    for (Step s : flow.steps()) {
      if (s instanceof Step.Input in && in.source() instanceof InteractiveSource<?> src) {
        for (InteractiveSource<?> other : sources) {
          if (other == src) {
            throw new IllegalArgumentException("dataflow '" + flow.name() + "' reads the same InteractiveSource in two"
                + " input steps; give each input step its own");
          }
        }
        sources.add(src);
      }
    }
    if (sources.isEmpty()) {
      throw new IllegalArgumentException("dataflow '" + flow.name() + "' reads no InteractiveSource: there is nothing"
          + " to push to; run it with run(flow)");
    }
    flow.validate();
    for (int i = 0; i < sources.size(); i++) {
      if (!sources.get(i).claim()) {
        throw new IllegalStateException(sources.get(i) + " is already used by a run; make a new one for each run");
      }
    }
    Map<TestSink<?>, String> sinks = prepareSinks(flow);
    RunConfig cfg = transportSerdeCheck ? config.withSerdeCheck(ClusterRuns.transportSerde(flow)) : config;
    RunningDataflow running = Sluice.start(flow, cfg);
    return new InteractiveRun(this, flow, running, sinks, sources);
  }

  /**
   * The same runner checking (or not) that no item changes after a step emitted it; on by
   * default. When on, {@link #run} fails with an {@link AssertionError} naming the step that
   * emitted a changed item, what it emitted and what the item holds at the end. Items that are
   * deeply immutable are not checked; items that cannot be serialized cannot be.
   */
  public DataflowRunner withEmitCheck(boolean on) {
    return new DataflowRunner(config.withEmitObserver(on ? EmitCheck.ENABLED : null), processes, timeout, workerCounts,
        transportSerdeCheck);
  }

  /** Whether runs check that items do not change after they are emitted. */
  public boolean checksEmits() {
    return config.emitObserver() == EmitCheck.ENABLED;
  }

  /**
   * Runs {@code flow} expecting user code to fail, and returns the failure.
   *
   * @throws AssertionError if the run finished without failing
   */
  public StepFailedException runExpectingFailure(Dataflow flow) {
    prepareSinks(flow);
    try {
      execute(flow);
    } catch (StepFailedException e) {
      return e;
    }
    throw new AssertionError("expected dataflow '" + flow.name() + "' to fail on " + Texts.deployment(processes, workers())
        + ", but it finished");
  }

  /**
   * Runs {@code flow} expecting a {@link TestSource} partition to reach its {@link Script#abort()},
   * and returns what the sinks received before the run stopped.
   *
   * @throws AssertionError      if the run finished without aborting
   * @throws StepFailedException if user code failed for another reason
   */
  public AbortedRun runUntilAbort(Dataflow flow) {
    Map<TestSink<?>, String> sinks = prepareSinks(flow);
    try {
      execute(flow);
    } catch (StepFailedException e) {
      if (e.getCause() instanceof SourceAbortedException abort) {
        return new AbortedRun(e, abort, snapshot(sinks));
      }
      throw e;
    }
    throw new AssertionError("expected dataflow '" + flow.name() + "' to stop at a test source's abort marker on "
        + Texts.deployment(processes, workers()) + ", but it finished");
  }

  /**
   * Starts the flow built by {@code factory.method()} (public, static, no arguments) as a cluster
   * of {@link #processes()} separate JVMs with {@link #workers()} workers each. Use it
   * for real process isolation, e.g. to kill a process; {@link ForkedCluster#await()} gives the
   * combined {@link TestRun}, whose {@link TestSink}s are those of the flow this JVM built with the
   * same factory (find them with {@link TestRun#flow()}, or keep them in static fields of the
   * factory's class: every JVM has its own). Output items must be {@link java.io.Serializable}.
   */
  public ForkedCluster startForked(Class<?> factory, String method) {
    if (processes < 2) {
      throw new IllegalStateException("a forked run needs at least 2 processes; use withProcesses(n)");
    }
    if (!ClusterRuns.available()) {
      throw new IllegalStateException(ClusterRuns.MISSING);
    }
    Dataflow flow = ForkedProcess.build(factory.getName(), method);
    flow.validate();
    return new ForkedCluster(factory, method, processes, workers(), timeout, prepareSinks(flow), flow, config);
  }

  /** Runs {@code factory.method()} as separate JVMs to the end: {@code startForked(...).await()}. */
  public TestRun runForked(Class<?> factory, String method) {
    try (ForkedCluster cluster = startForked(factory, method)) {
      return cluster.await();
    }
  }

  /** Runs {@code flow} once at each of {@link #workerCounts()}, in that order. */
  public Map<Integer, TestRun> runAtEachWorkerCount(Dataflow flow) {
    Map<Integer, TestRun> runs = new LinkedHashMap<>();
    for (int n : workerCounts) {
      runs.put(n, atWorkers(n).run(flow));
    }
    return Collections.unmodifiableMap(runs);
  }

  /** One run, in this process or as an in-JVM cluster; statistics of every worker. */
  private RunResult execute(Dataflow flow) {
    return execute(flow, null); // runs other than run() are not checked for items changed after emit
  }

  private RunResult execute(Dataflow flow, EmitCheck check) {
    RunConfig cfg = transportSerdeCheck ? config.withSerdeCheck(ClusterRuns.transportSerde(flow)) : config;
    cfg = cfg.withEmitObserver(check); // a fresh check per run, or none
    try {
      if (processes == 1) {
        RunningDataflow running = Sluice.start(flow, cfg);
        return running.await(timeout);
      }
      return ClusterRuns.run(flow, processes, cfg, timeout);
    } catch (RunTimeoutException e) {
      throw new DataflowTimeoutError(e, processes == 1 ? null : Texts.deployment(processes, workers()));
    }
  }

  /** Finds the flow's test sinks, clears them, and names each by its output steps. */
  private Map<TestSink<?>, String> prepareSinks(Dataflow flow) {
    Map<TestSink<?>, List<String>> steps = new IdentityHashMap<>();
    for (Step s : flow.steps()) {
      if (s instanceof Step.Output out && out.sink() instanceof TestSink<?> sink) {
        steps.computeIfAbsent(sink, k -> new ArrayList<>()).add(out.id());
      }
    }
    Map<TestSink<?>, String> labels = new IdentityHashMap<>();
    steps.forEach((sink, ids) -> {
      sink.beginRun(config.workersPerProcess());
      String stepsText = ids.size() == 1 ? "step '" + ids.get(0) + "'" : "steps " + ids;
      labels.put(sink, sink.name() == null ? "output of " + stepsText
          : "test sink '" + sink.name() + "' (" + stepsText + ")");
    });
    return labels;
  }

  Map<TestSink<?>, SinkOutput<?>> snapshot(Map<TestSink<?>, String> sinks) {
    Map<TestSink<?>, SinkOutput<?>> outputs = new IdentityHashMap<>();
    sinks.forEach((sink, label) -> outputs.put(sink, snapshot(sink, label)));
    return outputs;
  }

  private <T> SinkOutput<T> snapshot(TestSink<T> sink, String label) {
    return new SinkOutput<>(label, processes, workers(), sink.captured());
  }

  @Override
  public String toString() {
    return "DataflowRunner" + Texts.displayName(processes, workers());
  }
}
