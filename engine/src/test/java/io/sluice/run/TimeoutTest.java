package io.sluice.run;

import static io.sluice.TestSupport.workerThreads;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.sluice.TestSupport;
import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import io.sluice.inputs.DynamicSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A run that does not end in time is stopped with a dump of every worker's state. */
class TimeoutTest {

  /** A never-ending source: every worker's partition returns empty batches forever. */
  private static Dataflow neverEnding(String name) {
    Dataflow flow = new Dataflow(TestSupport.uniqueName(name));
    flow.input("forever", (DynamicSource<String>) (step, worker, count) -> ArrayList::new)
        .map("m", s -> s)
        .output("out", new ListSink<>());
    return flow;
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4})
  void awaitWithATimeoutStopsTheRunAndDumpsTheWorkers(int workers) {
    Dataflow flow = neverEnding("forever");
    RunningDataflow running = Sluice.start(flow, RunConfig.workers(workers));
    await().atMost(Duration.ofSeconds(10))
        .until(() -> allRunning(running.dumpState(), workers));
    RunTimeoutException e = catchThrowableOfType(RunTimeoutException.class,
        () -> running.await(Duration.ofMillis(500)));
    assertThat(e).isNotNull();
    assertThat(e).hasMessageContaining("'" + flow.name() + "'").hasMessageContaining("PT0.5S");
    assertThat(e.workerDump()).contains("source 'forever'");
    for (int w = 0; w < workers; w++) {
      assertThat(e.workerDump()).contains("worker " + w + " (running)");
    }
    assertThat(e.getMessage()).contains(e.workerDump());
    assertThat(workerThreads(flow.name())).isEmpty();
    assertThat(running.isDone()).isTrue();
  }

  @Test
  void cancelStopsTheRunAndAwaitSaysSo() {
    Dataflow flow = neverEnding("cancelled");
    RunningDataflow running = Sluice.start(flow, RunConfig.workers(2));
    await().atMost(Duration.ofSeconds(10)).until(() -> allRunning(running.dumpState(), 2));
    assertThat(running.isDone()).isFalse();
    assertThat(running.dumpState()).contains("source 'forever' partition 'worker-0'")
        .contains("source 'forever' partition 'worker-1'");
    running.cancel();
    CancellationException e = catchThrowableOfType(CancellationException.class,
        () -> running.await(TestSupport.BOUND));
    assertThat(e).hasMessageContaining(flow.name());
    TestSupport.assertNoWorkerThreads(flow.name());
    assertThat(running.isDone()).isTrue();
  }

  @Test
  void aFinishedRunReturnsFromAwaitWithATimeout() {
    Dataflow flow = new Dataflow(TestSupport.uniqueName("quick"));
    ListSink<Integer> sink = new ListSink<>();
    flow.input("in", io.sluice.connectors.IterableSource.of(TestSupport.ints(10))).output("out", sink);
    RunningDataflow running = Sluice.start(flow, RunConfig.workers(2));
    RunResult r = running.await(TestSupport.BOUND);
    assertThat(r.step("out").totalIn()).isEqualTo(10);
    assertThat(running.isDone()).isTrue();
    // awaiting again gives the same outcome
    assertThat(running.await().step("out").totalIn()).isEqualTo(10);
  }

  private static boolean allRunning(String dump, int workers) {
    for (int w = 0; w < workers; w++) {
      if (!dump.contains("worker " + w + " (running)")) {
        return false;
      }
    }
    return true;
  }
}
