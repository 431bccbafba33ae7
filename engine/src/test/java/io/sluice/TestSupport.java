package io.sluice;

import static org.awaitility.Awaitility.await;

import io.sluice.dataflow.Dataflow;
import io.sluice.run.RunConfig;
import io.sluice.run.RunResult;
import io.sluice.run.Sluice;
import io.sluice.run.StepStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/** Helpers shared by the engine tests: bounded runs, worker-thread checks, small data builders. */
public final class TestSupport {
  /** Upper bound for any single run in the tests; a hang fails with a worker dump instead of blocking CI. */
  public static final Duration BOUND = Duration.ofSeconds(30);

  private static final AtomicLong FLOW_IDS = new AtomicLong();

  private TestSupport() {}

  /** A dataflow name unique within the test JVM, so worker threads of different tests never mix. */
  public static String uniqueName(String prefix) {
    return prefix + "-" + FLOW_IDS.incrementAndGet();
  }

  /** Runs {@code flow} on {@code workers} workers, failing with a worker dump after {@link #BOUND}. */
  public static RunResult run(Dataflow flow, int workers) {
    return run(flow, RunConfig.workers(workers));
  }

  /** Runs {@code flow} with {@code config}, failing with a worker dump after {@link #BOUND}. */
  public static RunResult run(Dataflow flow, RunConfig config) {
    return Sluice.start(flow, config).await(BOUND);
  }

  /** The live worker threads of dataflow {@code flowName}. */
  public static List<Thread> workerThreads(String flowName) {
    String prefix = "sluice-" + flowName + "-worker-";
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith(prefix))
        .collect(Collectors.toList());
  }

  /** Asserts, with a bound, that no worker thread of {@code flowName} is alive. */
  public static void assertNoWorkerThreads(String flowName) {
    await("worker threads of '" + flowName + "' to end").atMost(Duration.ofSeconds(10))
        .until(() -> workerThreads(flowName).isEmpty());
  }

  /** The integers {@code 0 .. n-1}. */
  public static List<Integer> ints(int n) {
    return IntStream.range(0, n).boxed().collect(Collectors.toList());
  }

  /** The workers (indexes) whose count in {@code perWorker} is positive. */
  public static List<Integer> workersWithItems(long[] perWorker) {
    List<Integer> w = new ArrayList<>();
    for (int i = 0; i < perWorker.length; i++) {
      if (perWorker[i] > 0) {
        w.add(i);
      }
    }
    return w;
  }

  /** The workers on which {@code stats} saw items come in. */
  public static List<Integer> workersWithInput(StepStats stats) {
    return workersWithItems(stats.itemsInPerWorker());
  }
}
