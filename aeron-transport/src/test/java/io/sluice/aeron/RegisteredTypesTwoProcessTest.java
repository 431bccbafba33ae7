package io.sluice.aeron;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.sluice.connectors.IterableSource;
import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import io.sluice.run.RunConfig;
import io.sluice.run.RunResult;
import io.sluice.run.Sluice;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** User records cross a redistribute between two processes with the default (Fory) serde. */
class RegisteredTypesTwoProcessTest {
  record Reading(String sensor, long ts, double value) {}

  record Unregistered(String name) {}

  static List<Reading> readings(int n) {
    return IntStream.range(0, n).mapToObj(i -> new Reading("sensor-" + (i % 7), i, i * 0.5)).toList();
  }

  /** Runs the same flow (built per process by {@code flowFor}) on two processes of two workers each. */
  static List<CompletableFuture<RunResult>> runTwoProcesses(Function<Integer, Dataflow> flowFor) throws Exception {
    List<String> addresses = LocalCluster.freeLoopbackAddresses(2);
    List<CompletableFuture<RunResult>> runs = new ArrayList<>();
    for (int p = 0; p < 2; p++) {
      int pid = p;
      RunConfig cfg = RunConfig.workers(2).withCluster(pid, addresses);
      runs.add(CompletableFuture.supplyAsync(() -> Sluice.start(flowFor.apply(pid), cfg).await(Duration.ofSeconds(60)),
          LocalCluster.runnerThread(pid)));
    }
    return runs;
  }

  @Test
  void registeredRecordsCrossARedistribute() throws Exception {
    List<Reading> input = readings(20_000);
    List<ListSink<Reading>> sinks = List.of(new ListSink<>(), new ListSink<>());
    List<CompletableFuture<RunResult>> runs = runTwoProcesses(pid -> {
      Dataflow flow = new Dataflow("readings").registerTypes(Reading.class);
      flow.input("in", IterableSource.of(input, 100))
          .redistribute("spread")
          .output("out", sinks.get(pid));
      return flow;
    });
    for (CompletableFuture<RunResult> r : runs) {
      r.get(90, TimeUnit.SECONDS);
    }
    List<Reading> all = new ArrayList<>(sinks.get(0).items());
    all.addAll(sinks.get(1).items());
    assertThat(all).containsExactlyInAnyOrderElementsOf(input);
    // the one source partition is read in one process; the other process got its share over Aeron
    assertThat(sinks.get(0).items()).isNotEmpty();
    assertThat(sinks.get(1).items()).isNotEmpty();
  }

  @Test
  void anUnregisteredRecordStopsTheRunNamingTheTypeAndTheFix() throws Exception {
    List<CompletableFuture<RunResult>> runs = runTwoProcesses(pid -> {
      Dataflow flow = new Dataflow("unregistered");
      flow.input("in", IterableSource.of(IntStream.range(0, 1_000).boxed().collect(Collectors.toList()), 100))
          .map("wrap", i -> new Unregistered("n" + i))
          .redistribute("spread")
          .output("out", new ListSink<>());
      return flow;
    });
    List<Throwable> failures = new ArrayList<>();
    for (CompletableFuture<RunResult> r : runs) {
      Throwable t = catchThrowable(() -> r.get(90, TimeUnit.SECONDS));
      assertThat(t).isInstanceOf(ExecutionException.class);
      failures.add(t.getCause());
    }
    String all = failures.stream().map(RegisteredTypesTwoProcessTest::messages).collect(Collectors.joining("\n"));
    assertThat(all)
        .contains(Unregistered.class.getName())
        .contains("Dataflow.registerTypes(");
  }

  private static String messages(Throwable t) {
    StringBuilder b = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      b.append(c).append('\n');
    }
    return b.toString();
  }
}
