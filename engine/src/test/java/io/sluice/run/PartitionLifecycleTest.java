package io.sluice.run;

import static io.sluice.TestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.sluice.TestSupport;
import io.sluice.dataflow.Dataflow;
import io.sluice.inputs.DynamicSource;
import io.sluice.inputs.StatelessSourcePartition;
import io.sluice.outputs.DynamicSink;
import io.sluice.outputs.StatelessSinkPartition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Source and sink partitions: built once per worker (dynamic) with the worker's index, polled no
 * earlier than they asked, and closed exactly once on their own thread, whether the run ends or fails.
 */
class PartitionLifecycleTest {

  /** Per worker: build, batches, close; records threads and times. */
  static final class Recorder {
    final Map<Integer, String> builtOn = new ConcurrentHashMap<>();
    final Map<Integer, AtomicInteger> closes = new ConcurrentHashMap<>();
    final Map<Integer, String> closedOn = new ConcurrentHashMap<>();
    final List<String> violations = new CopyOnWriteArrayList<>();
  }

  /** Each worker emits 5 batches "w{index}-{n}", each asking not to be polled for 3 ms; can fail at one item. */
  static DynamicSource<String> source(Recorder rec, String failAt) {
    return (stepId, worker, count) -> {
      rec.builtOn.put(worker, Thread.currentThread().getName());
      rec.closes.put(worker, new AtomicInteger());
      return new StatelessSourcePartition<>() {
        int n;
        Instant awake;

        @Override
        public List<String> nextBatch() {
          Instant now = Instant.now();
          if (awake != null && now.isBefore(awake)) {
            rec.violations.add("worker " + worker + " polled at " + now + " before " + awake);
          }
          if (n == 5) {
            awake = null;
            return null;
          }
          awake = now.plusMillis(3);
          String item = "w" + worker + "-" + n++;
          if (item.equals(failAt)) {
            throw new IllegalStateException("fail at " + item);
          }
          return new ArrayList<>(List.of(item));
        }

        @Override
        public Instant nextAwake() {
          return awake;
        }

        @Override
        public void close() {
          rec.closes.get(worker).incrementAndGet();
          rec.closedOn.put(worker, Thread.currentThread().getName());
        }
      };
    };
  }

  static DynamicSink<String> sink(Recorder rec, List<String> out) {
    return (stepId, worker, count) -> {
      rec.builtOn.put(worker, Thread.currentThread().getName());
      rec.closes.put(worker, new AtomicInteger());
      return new StatelessSinkPartition<>() {
        @Override
        public void writeBatch(List<String> items) {
          out.addAll(items);
        }

        @Override
        public void close() {
          rec.closes.get(worker).incrementAndGet();
          rec.closedOn.put(worker, Thread.currentThread().getName());
        }
      };
    };
  }

  private static void assertClosedOnceOnTheirThreads(Recorder rec, int workers, String flowName) {
    assertThat(rec.builtOn).hasSize(workers);
    for (int w = 0; w < workers; w++) {
      assertThat(rec.builtOn.get(w)).isEqualTo("sluice-" + flowName + "-worker-" + w);
      assertThat(rec.closes.get(w)).as("closes on worker %d", w).hasValue(1);
      assertThat(rec.closedOn.get(w)).isEqualTo(rec.builtOn.get(w));
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4})
  void dynamicPartitionsAreBuiltPolledAndClosedProperly(int workers) {
    Recorder src = new Recorder();
    Recorder snk = new Recorder();
    List<String> out = new CopyOnWriteArrayList<>();
    Dataflow flow = new Dataflow(TestSupport.uniqueName("lifecycle"));
    flow.input("in", source(src, null)).redistribute("spread").output("out", sink(snk, out));
    run(flow, workers);
    List<String> expected = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      for (int n = 0; n < 5; n++) {
        expected.add("w" + w + "-" + n);
      }
    }
    assertThat(out).containsExactlyInAnyOrderElementsOf(expected);
    assertThat(src.violations).isEmpty();
    assertClosedOnceOnTheirThreads(src, workers, flow.name());
    assertClosedOnceOnTheirThreads(snk, workers, flow.name());
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4})
  void partitionsAreClosedOnceWhenTheRunFails(int workers) {
    Recorder src = new Recorder();
    Recorder snk = new Recorder();
    Dataflow flow = new Dataflow(TestSupport.uniqueName("lifecycle-fail"));
    flow.input("in", source(src, "w0-2")).redistribute("spread").output("out", sink(snk, new CopyOnWriteArrayList<>()));
    StepFailedException e = catchThrowableOfType(StepFailedException.class,
        () -> Sluice.start(flow, RunConfig.workers(workers)).await(TestSupport.BOUND));
    assertThat(e).isNotNull();
    assertThat(e.stepId()).isEqualTo("in");
    assertThat(e.worker()).isZero();
    assertThat(TestSupport.workerThreads(flow.name())).isEmpty();
    assertClosedOnceOnTheirThreads(src, workers, flow.name());
    assertClosedOnceOnTheirThreads(snk, workers, flow.name());
  }
}
