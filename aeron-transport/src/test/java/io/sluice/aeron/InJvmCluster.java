package io.sluice.aeron;

import io.sluice.dataflow.Dataflow;
import io.sluice.run.RunConfig;
import io.sluice.run.RunResult;
import io.sluice.run.Sluice;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;
import java.util.function.UnaryOperator;

/**
 * Runs one dataflow as several processes inside this JVM, each with its own media driver and UDP
 * port (unlike {@link LocalCluster}, which shares one driver): the transport exactly as separate
 * processes run it, with settings a test may change.
 */
final class InJvmCluster {
  private InJvmCluster() {}

  static List<String> freeAddresses(int n) {
    return LocalCluster.freeLoopbackAddresses(n);
  }

  /** Each process's outcome: its result or the exception its run threw. */
  record Outcome(RunResult result, Throwable error) {}

  static List<Outcome> run(int processes, int workersPerProcess, IntFunction<Dataflow> flowOfProcess,
      UnaryOperator<RunConfig> tweak) throws IOException, InterruptedException {
    List<String> addresses = freeAddresses(processes);
    List<CompletableFuture<RunResult>> runs = new ArrayList<>();
    for (int p = 0; p < processes; p++) {
      int pid = p;
      RunConfig cfg = tweak.apply(RunConfig.workers(workersPerProcess).withCluster(pid, addresses).withRecordKeys(true));
      runs.add(CompletableFuture.supplyAsync(
          () -> Sluice.start(flowOfProcess.apply(pid), cfg).await(Duration.ofSeconds(60)), LocalCluster.runnerThread(pid)));
    }
    List<Outcome> out = new ArrayList<>();
    for (CompletableFuture<RunResult> r : runs) {
      try {
        out.add(new Outcome(r.get(90, TimeUnit.SECONDS), null));
      } catch (ExecutionException e) {
        out.add(new Outcome(null, e.getCause()));
      } catch (TimeoutException e) {
        throw new AssertionError("a process of the in-JVM cluster did not end within 90 s", e);
      }
    }
    return out;
  }

  /** Like {@link #run}, failing on the first process error. */
  static List<RunResult> runOk(int processes, int workersPerProcess, IntFunction<Dataflow> flowOfProcess)
      throws IOException, InterruptedException {
    List<RunResult> results = new ArrayList<>();
    for (Outcome o : run(processes, workersPerProcess, flowOfProcess, c -> c)) {
      if (o.error() != null) {
        throw new AssertionError("a process failed", o.error());
      }
      results.add(o.result());
    }
    return results;
  }
}
