package io.sluice.aeron;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.sluice.connectors.IterableSource;
import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.FlowValidationException;
import io.sluice.inputs.FixedPartitionedSource;
import io.sluice.inputs.SourcePartition;
import io.sluice.run.RunConfig;
import io.sluice.run.RunResult;
import io.sluice.run.Sluice;
import io.sluice.run.StepFailedException;
import io.sluice.transport.TransportException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * A process of an in-JVM cluster run that fails before the cluster is joined fails the whole run at
 * once, with its own error, instead of the others waiting for it until their connect timeout (30 s).
 * Real shared media driver, real UDP on loopback.
 */
class JoinFailureTest {
  /** Far below the 30 s connect timeout the other processes would otherwise wait; a bound, not a measurement. */
  private static final Duration AT_ONCE = Duration.ofSeconds(10);

  private static Dataflow exchanging(String name, ListSink<Integer> sink) {
    Dataflow flow = new Dataflow(name);
    flow.input("numbers", IterableSource.of(() -> IntStream.range(0, 1_000).iterator(), 100))
        .redistribute("spread")
        .output("out", sink);
    return flow;
  }

  @Test
  void aProcessWhoseFlowFailsValidationFailsTheRunAtOnceWithItsOwnError() {
    Throwable thrown = assertTimeoutPreemptively(AT_ONCE, () -> catchFrom(() ->
        LocalCluster.run(3, RunConfig.workers(1), p -> {
          if (p == 1) {
            Dataflow invalid = new Dataflow("numbers");
            invalid.input("numbers", IterableSource.of(List.of(1, 2, 3))).map("double", i -> i * 2); // no output
            return invalid;
          }
          return exchanging("numbers", new ListSink<>());
        }, Duration.ofSeconds(60))));
    assertThat(thrown).isInstanceOf(FlowValidationException.class)
        .hasMessage("dataflow 'numbers' has no output step; add one with output(id, sink) on a stream");
  }

  @Test
  void aProcessWhoseSourceCannotListItsPartitionsFailsTheRunAtOnceNamingTheStep() {
    Throwable thrown = assertTimeoutPreemptively(AT_ONCE, () -> catchFrom(() ->
        LocalCluster.run(2, RunConfig.workers(2), p -> {
          Dataflow flow = new Dataflow("listing");
          flow.input("files", p == 1 ? new UnlistableSource() : IterableSource.of(List.of(1, 2, 3)))
              .redistribute("spread")
              .output("out", new ListSink<>());
          return flow;
        }, Duration.ofSeconds(60))));
    assertThat(thrown).isInstanceOf(StepFailedException.class)
        .hasMessageContaining("step 'files'")
        .hasMessageContaining("listing partitions")
        .hasRootCauseMessage("no such directory: /data/host-1");
  }

  @Test
  void aFlowSupplierThatThrowsFailsTheRunWithItsErrorAndStartsNoProcess() {
    Set<Thread> before = runnerThreads();
    IllegalStateException supplierError = new IllegalStateException("cannot build the flow of process 1");
    Throwable thrown = assertTimeoutPreemptively(AT_ONCE, () -> catchFrom(() ->
        LocalCluster.run(3, RunConfig.workers(1), p -> {
          if (p == 1) {
            throw supplierError;
          }
          return exchanging("supplied", new ListSink<>());
        }, Duration.ofSeconds(60))));
    assertThat(thrown).isSameAs(supplierError);
    // no process was left behind waiting for the one that never came
    Set<Thread> started = runnerThreads();
    started.removeAll(before);
    assertThat(started).isEmpty();
  }

  @Test
  void aProcessWhoseTransportCannotListenFailsTheOthersAtOnce() throws Exception {
    // LocalCluster's wiring, with process 1 given an address that is taken
    try (DatagramSocket taken = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      List<String> addresses = new ArrayList<>(LocalCluster.freeLoopbackAddresses(3));
      addresses.set(1, "localhost:" + taken.getLocalPort());
      ClusterSecret secret = ClusterSecret.generate();
      JoinBarrier barrier = new JoinBarrier(3);
      AeronTransport.Settings settings = AeronTransport.Settings.defaults().withSharedDriver().withSecret(secret);
      List<CompletableFuture<RunResult>> runs = new ArrayList<>();
      for (int p = 0; p < 3; p++) {
        RunConfig cfg = RunConfig.workers(1).withCluster(p, addresses)
            .withTransport(() -> new AeronTransport(settings, barrier));
        Dataflow flow = exchanging("taken", new ListSink<>());
        runs.add(CompletableFuture.supplyAsync(() -> Sluice.start(flow, cfg).await(), LocalCluster.runnerThread(p)));
      }
      List<Throwable> errors = assertTimeoutPreemptively(AT_ONCE, () -> {
        List<Throwable> out = new ArrayList<>();
        for (CompletableFuture<RunResult> r : runs) {
          out.add(catchFrom(() -> r.get(60, TimeUnit.SECONDS)));
        }
        return out;
      });
      assertThat(errors.get(1)).isInstanceOf(TransportException.class)
          .hasMessageContaining("process 1 cannot listen on " + addresses.get(1));
      for (int p : new int[] {0, 2}) {
        assertThat(errors.get(p)).as("process %d", p).isInstanceOf(TransportException.class)
            .hasMessageContaining("process " + p + " stops joining the cluster: process 1 failed before it joined"
                + " the cluster")
            .hasMessageContaining("process 1 cannot listen on " + addresses.get(1));
      }
    }
  }

  @Test
  void aRunWhereEveryProcessJoinsIsUnaffected() {
    List<ListSink<Integer>> sinks = List.of(new ListSink<>(), new ListSink<>(), new ListSink<>());
    LocalCluster.Result result = LocalCluster.run(3, RunConfig.workers(2), p -> exchanging("fine", sinks.get(p)),
        Duration.ofSeconds(60));
    assertThat(result.perProcess()).hasSize(3);
    List<Integer> all = new ArrayList<>();
    sinks.forEach(s -> all.addAll(s.items()));
    assertThat(all).containsExactlyInAnyOrderElementsOf(IntStream.range(0, 1_000).boxed().toList());
  }

  @Test
  void aUserFailureAfterJoiningIsStillReportedAsTheUsersError() {
    assertThatThrownBy(() -> LocalCluster.run(2, RunConfig.workers(2), p -> {
      Dataflow flow = new Dataflow("late");
      flow.input("numbers", IterableSource.of(() -> IntStream.range(0, 10_000).iterator(), 100))
          .redistribute("spread")
          .map("explode", i -> {
            if (i == 7_777) {
              throw new IllegalArgumentException("no 7777 here");
            }
            return i;
          })
          .output("out", new ListSink<>());
      return flow;
    }, Duration.ofSeconds(60)))
        .isInstanceOf(StepFailedException.class)
        .hasMessageContaining("step 'explode'")
        .hasRootCauseMessage("no 7777 here");
  }

  /** A source whose partitions cannot be listed in this process (its directory is missing, say). */
  private static final class UnlistableSource implements FixedPartitionedSource<Integer, Long> {
    @Override
    public List<String> listPartitions() {
      throw new IllegalStateException("no such directory: /data/host-1");
    }

    @Override
    public SourcePartition<Integer, Long> buildPartition(String stepId, String partition, Long resumeState) {
      throw new AssertionError("never built: its partitions could not be listed");
    }
  }

  private static Set<Thread> runnerThreads() {
    Set<Thread> out = new HashSet<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("sluice-local-cluster-process-") && t.isAlive()) {
        out.add(t);
      }
    }
    return out;
  }

  private interface Call {
    Object call() throws Exception;
  }

  /** What {@code call} threw (unwrapped from an ExecutionException); fails if it returned. */
  private static Throwable catchFrom(Call call) {
    try {
      call.call();
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (Throwable t) {
      return t;
    }
    throw new AssertionError("expected the run to fail, but it finished");
  }
}
