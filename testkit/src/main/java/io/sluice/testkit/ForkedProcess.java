package io.sluice.testkit;

import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.Step;
import io.sluice.run.RunConfig;
import io.sluice.run.RunResult;
import io.sluice.run.SlowActivation;
import io.sluice.run.Sluice;
import io.sluice.run.StepFailedException;
import io.sluice.run.StepStats;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The main class of a forked process of a {@link ForkedCluster}: builds the flow with the test's
 * factory, runs it as one process of the cluster, and writes what its test sinks captured and its
 * workers' statistics (or its failure) to a file for the test JVM. Not for direct use.
 */
public final class ForkedProcess {
  private ForkedProcess() {}

  /** The system property that holds a forked JVM's process id (0-based) in the cluster. */
  static final String PROCESS_PROPERTY = "sluice.forked.process";

  /** What one forked process reports back; Java-serialized to the result file. */
  record Report(List<StatsRecord> steps, List<SlowRecord> slow, long durationNanos, int workerCount,
      Map<String, List<CapturedRecord>> outputs, FailureRecord failure) implements Serializable {}

  record StatsRecord(String id, long[] in, long[] out, long[] maxNanos, List<Map<Object, Long>> keys) implements Serializable {}

  record SlowRecord(String stepId, int worker, long nanos) implements Serializable {}

  record CapturedRecord(Object item, int process, int worker, String stepId, long epoch, long sequence)
      implements Serializable {}

  /** A failure: the step failure's parts when it was one, else just the text; the cause itself if it serializes. */
  record FailureRecord(String stepId, int worker, String item, String activity, String message, String causeText,
      byte[] cause) implements Serializable {}

  /**
   * args: factoryClass method processId addresses(;-separated) workersPerProcess resultFile timeoutMillis
   * [epochIntervalMillis virtualTimeOrigin|- recoveryDir|-]
   */
  public static void main(String[] args) throws Exception {
    Path result = Path.of(args[5]);
    Report report;
    int exit = 0;
    Dataflow flow = build(args[0], args[1]);
    Map<TestSink<?>, String> sinks = testSinks(flow);
    int workersPerProcess = Integer.parseInt(args[4]);
    sinks.keySet().forEach(s -> s.beginRun(workersPerProcess));
    RunConfig config = RunConfig.workers(workersPerProcess).withRecordKeys(true)
        .withCluster(Integer.parseInt(args[2]), List.of(args[3].split(";")));
    if (args.length >= 10) {
      config = config.withEpochInterval(Duration.ofMillis(Long.parseLong(args[7])))
          .withVirtualTime(args[8].equals("-") ? null : java.time.Instant.parse(args[8]))
          .withRecovery(args[9].equals("-") ? null : io.sluice.run.RecoveryConfig.in(Path.of(args[9])));
    }
    io.sluice.run.RunningDataflow running = null;
    try {
      running = Sluice.start(flow, config);
      stopOnSigterm(running);
      Files.writeString(result.resolveSibling(result.getFileName() + ".running"), "connected");
      RunResult r = running.await(Duration.ofMillis(Long.parseLong(args[6])));
      report = new Report(stats(r), slow(r), r.duration().toNanos(), r.workerCount(), captured(sinks), null);
      if (running.stopReason() != null) {
        exit = EXIT_STOPPED;
        System.err.println("sluice forked process: stopped early (" + running.stopReason() + "); every item read was"
            + " written");
      }
    } catch (StepFailedException e) {
      exit = 1;
      report = new Report(List.of(), List.of(), 0, 0, Map.of(), new FailureRecord(e.stepId(), e.worker(), e.item(),
          e.activity(), e.getMessage(), String.valueOf(e.getCause()), serialized(e.getCause())));
      System.err.println("sluice forked process: " + e.getMessage());
    } catch (RuntimeException e) {
      exit = 1;
      String message = e.getMessage() == null ? e.toString() : e.getMessage();
      if (running != null && !(e instanceof io.sluice.run.RunTimeoutException)) {
        // a timeout elsewhere in the cluster stops this process too: say where its workers were
        message += "\nWorker state of process " + args[2] + " when it stopped:\n" + running.dumpState();
      }
      report = new Report(List.of(), List.of(), 0, 0, Map.of(), new FailureRecord(null, -1, null, null,
          message, null, null));
      System.err.println("sluice forked process: " + e.getMessage());
    }
    Path tmp = result.resolveSibling(result.getFileName() + ".tmp");
    try (ObjectOutputStream out = new ObjectOutputStream(Files.newOutputStream(tmp))) {
      out.writeObject(report);
    } catch (IOException e) {
      System.err.println("sluice forked process: cannot send results to the test (are the output items"
          + " Serializable?): " + e);
      exit = 2;
    }
    Files.move(tmp, result);
    System.exit(exit);
  }

  /** The exit code of a process whose run was stopped early on request, as {@code sluice run}'s. */
  static final int EXIT_STOPPED = 3;

  /**
   * SIGTERM stops the run gracefully, as {@code sluice run} does (sources end, what was read
   * drains to the sinks, the peers stop too, and with recovery the last epoch is snapshotted); a
   * second one exits at once. The run's own timeout bounds the stop.
   */
  private static void stopOnSigterm(io.sluice.run.RunningDataflow running) {
    java.util.concurrent.atomic.AtomicBoolean signalled = new java.util.concurrent.atomic.AtomicBoolean();
    try {
      sun.misc.Signal.handle(new sun.misc.Signal("TERM"), sig -> {
        if (signalled.compareAndSet(false, true)) {
          System.err.println("sluice forked process: SIGTERM: stopping gracefully");
          running.stop("SIGTERM");
        } else {
          Runtime.getRuntime().halt(128 + sig.getNumber());
        }
      });
    } catch (IllegalArgumentException | UnsupportedOperationException e) {
      // no SIGTERM on this platform: the default behaviour stays
    }
  }

  private static byte[] serialized(Throwable t) {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(t);
      return bytes.toByteArray();
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** Calls the public static, no-argument factory method. */
  static Dataflow build(String className, String method) {
    try {
      Class<?> c = Class.forName(className);
      Method m = c.getMethod(method);
      if (!java.lang.reflect.Modifier.isStatic(m.getModifiers()) || !Dataflow.class.isAssignableFrom(m.getReturnType())) {
        throw new IllegalArgumentException(className + "." + method + " must be a public static method returning Dataflow");
      }
      return (Dataflow) m.invoke(null);
    } catch (ReflectiveOperationException e) {
      throw new IllegalArgumentException("cannot build the flow with " + className + "." + method + "(): " + e, e);
    }
  }

  /** The flow's test sinks, each named by its first output step (the same in every JVM). */
  static Map<TestSink<?>, String> testSinks(Dataflow flow) {
    Map<TestSink<?>, String> sinks = new IdentityHashMap<>();
    for (Step s : flow.steps()) {
      if (s instanceof Step.Output out && out.sink() instanceof TestSink<?> sink) {
        sinks.putIfAbsent(sink, out.id());
      }
    }
    return sinks;
  }

  private static List<StatsRecord> stats(RunResult r) {
    List<StatsRecord> out = new ArrayList<>();
    for (StepStats s : r.steps().values()) {
      int n = s.workerCount();
      long[] max = new long[n];
      List<Map<Object, Long>> keys = new ArrayList<>();
      for (int w = 0; w < n; w++) {
        max[w] = s.maxActivation(w).toNanos();
        keys.add(s.keysRecorded() ? new HashMap<>(s.keyItems(w)) : null);
      }
      out.add(new StatsRecord(s.stepId(), s.itemsInPerWorker(), s.itemsOutPerWorker(), max, keys));
    }
    return out;
  }

  private static List<SlowRecord> slow(RunResult r) {
    List<SlowRecord> out = new ArrayList<>();
    for (SlowActivation s : r.slowActivations()) {
      out.add(new SlowRecord(s.stepId(), s.worker(), s.duration().toNanos()));
    }
    return out;
  }

  private static Map<String, List<CapturedRecord>> captured(Map<TestSink<?>, String> sinks) {
    Map<String, List<CapturedRecord>> out = new LinkedHashMap<>();
    sinks.forEach((sink, id) -> {
      List<CapturedRecord> records = new ArrayList<>();
      for (Captured<?> c : sink.captured()) {
        records.add(new CapturedRecord(c.item(), c.process(), c.worker(), c.stepId(), c.epoch(), c.sequence()));
      }
      out.put(id, records);
    });
    return out;
  }

  /** Rebuilds a run result from a report. */
  static RunResult toResult(String flowName, Report r) {
    Map<String, StepStats> steps = new LinkedHashMap<>();
    for (StatsRecord s : r.steps()) {
      steps.put(s.id(), new StepStats(s.id(), s.in(), s.out(), s.keys(), s.maxNanos()));
    }
    List<SlowActivation> slow = new ArrayList<>();
    for (SlowRecord s : r.slow()) {
      slow.add(new SlowActivation(s.stepId(), s.worker(), Duration.ofNanos(s.nanos())));
    }
    return new RunResult(flowName, r.workerCount(), Duration.ofNanos(r.durationNanos()), steps, slow);
  }
}
