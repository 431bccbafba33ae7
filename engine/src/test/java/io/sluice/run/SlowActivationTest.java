package io.sluice.run;

import static io.sluice.TestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.TestSupport;
import io.sluice.connectors.IterableSource;
import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A step that holds its worker longer than the threshold is reported with its step and worker. */
class SlowActivationTest {

  /** User code that is slow on purpose: holds the thread for at least {@code d}. */
  static void holdFor(Duration d) {
    long end = System.nanoTime() + d.toNanos();
    for (long left = d.toNanos(); left > 0; left = end - System.nanoTime()) {
      LockSupport.parkNanos(left);
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4})
  void aMapThatHoldsItsWorkerOnceIsReported(int workers) {
    Dataflow flow = new Dataflow(TestSupport.uniqueName("slow"));
    ListSink<Integer> sink = new ListSink<>();
    // batches of one item dealt round-robin from worker 0: item 7 is processed on worker 7 % n
    flow.input("in", IterableSource.of(TestSupport.ints(20), 1))
        .redistribute("spread")
        .map("sleepy", i -> {
          if (i == 7) {
            holdFor(Duration.ofMillis(200));
          }
          return i;
        })
        .output("out", sink);
    RunResult r = run(flow, RunConfig.workers(workers).withSlowActivationThreshold(Duration.ofMillis(50)));
    assertThat(sink.items()).hasSize(20);
    int worker = 7 % workers;
    assertThat(r.slowActivations()).anySatisfy(s -> {
      assertThat(s.stepId()).isEqualTo("sleepy");
      assertThat(s.worker()).isEqualTo(worker);
      assertThat(s.duration()).isGreaterThanOrEqualTo(Duration.ofMillis(200));
      assertThat(s.toString()).contains("'sleepy'").contains("worker " + worker);
    });
    assertThat(r.step("sleepy").maxActivation(worker)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
  }
}
