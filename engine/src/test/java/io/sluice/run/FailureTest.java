package io.sluice.run;

import static io.sluice.TestSupport.BOUND;
import static io.sluice.TestSupport.workerThreads;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.sluice.TestSupport;
import io.sluice.connectors.IterableSource;
import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.KV;
import io.sluice.dataflow.Retention;
import io.sluice.dataflow.StatefulLogic;
import io.sluice.dataflow.ValueState;
import io.sluice.inputs.DynamicSource;
import io.sluice.inputs.FixedPartitionedSource;
import io.sluice.inputs.Routing;
import io.sluice.inputs.SourcePartition;
import io.sluice.inputs.StatelessSourcePartition;
import io.sluice.outputs.DynamicSink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * User code that throws stops the whole run: one StepFailedException naming the step, the worker
 * that really processed the item and the item, with the user's exception as cause; no worker
 * thread outlives the run.
 */
class FailureTest {

  /** Runs the flow expecting a StepFailedException; checks that every worker thread has ended. */
  private static StepFailedException runExpectingFailure(Dataflow flow, int workers) {
    StepFailedException e = catchThrowableOfType(StepFailedException.class,
        () -> Sluice.start(flow, RunConfig.workers(workers)).await(BOUND));
    assertThat(e).as("the run should fail").isNotNull();
    assertThat(workerThreads(flow.name())).as("worker threads after the failure").isEmpty();
    return e;
  }

  private static List<String> items(int n) {
    List<String> l = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      l.add("item-" + i);
    }
    return l;
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4})
  void aMapThatThrowsOnOneItemFailsTheRunNamingStepWorkerAndItem(int workers) {
    AtomicReference<RuntimeException> thrown = new AtomicReference<>();
    Dataflow flow = new Dataflow(TestSupport.uniqueName("map-fails"));
    flow.input("in", IterableSource.of(items(1000), 10)) // one partition: worker 0 reads it
        .map("boom", s -> {
          if (s.equals("item-517")) {
            RuntimeException e = new IllegalStateException("no 517 please");
            thrown.set(e);
            throw e;
          }
          return s;
        })
        .output("out", new ListSink<>());
    StepFailedException e = runExpectingFailure(flow, workers);
    assertThat(e.stepId()).isEqualTo("boom");
    assertThat(e.worker()).isEqualTo(0);
    assertThat(e.item()).isEqualTo("item-517");
    assertThat(e.getCause()).isSameAs(thrown.get());
    assertThat(e).hasMessageContaining("'boom'").hasMessageContaining("worker 0").hasMessageContaining("item-517")
        .hasMessageContaining("no 517 please");
  }

  @Test
  void theWorkerNamedIsTheOneThatOwnsTheKey() {
    int workers = 4;
    String badKey = "k7";
    int owner = Routing.workerFor(badKey, workers);
    AtomicReference<RuntimeException> thrown = new AtomicReference<>();
    AtomicReference<String> failingThread = new AtomicReference<>();
    Dataflow flow = new Dataflow(TestSupport.uniqueName("keyed-map-fails"));
    List<Integer> ints = TestSupport.ints(400);
    flow.input("in", IterableSource.of(ints, 16))
        .keyOn("key", i -> "k" + (i % 10))
        .statefulMap("pass", (ValueState<Integer> st, Integer i) -> {
          st.set(i);
          return i;
        })
        .map("boom", kv -> {
          if (kv.key().equals(badKey) && kv.value() == 357) {
            failingThread.set(Thread.currentThread().getName());
            RuntimeException e = new ArithmeticException("357");
            thrown.set(e);
            throw e;
          }
          return kv;
        })
        .output("out", new ListSink<>());
    StepFailedException e = runExpectingFailure(flow, workers);
    assertThat(e.stepId()).isEqualTo("boom");
    assertThat(e.worker()).isEqualTo(owner);
    assertThat(failingThread.get()).endsWith("-worker-" + owner);
    assertThat(e.item()).isEqualTo(KV.of(badKey, 357).toString());
    assertThat(e.getCause()).isSameAs(thrown.get());
  }

  /** One partition that fails on its third batch. */
  static final class FailingSource implements FixedPartitionedSource<Integer, Void> {
    final AtomicReference<RuntimeException> thrown = new AtomicReference<>();

    @Override
    public List<String> listPartitions() {
      return List.of("a", "b", "c");
    }

    @Override
    public SourcePartition<Integer, Void> buildPartition(String stepId, String partition, Void resume) {
      return new SourcePartition<>() {
        int batches;

        @Override
        public List<Integer> nextBatch() {
          if (partition.equals("b") && ++batches == 3) {
            RuntimeException e = new IllegalStateException("disk on fire");
            thrown.set(e);
            throw e;
          }
          return batches > 100 ? null : new ArrayList<>(List.of(1, 2, 3));
        }

        @Override
        public Void snapshot() {
          return null;
        }
      };
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4})
  void aFailingSourceNamesItsStepPartitionAndWorker(int workers) {
    FailingSource src = new FailingSource();
    Dataflow flow = new Dataflow(TestSupport.uniqueName("source-fails"));
    flow.input("src", src).output("out", new ListSink<>());
    StepFailedException e = runExpectingFailure(flow, workers);
    assertThat(e.stepId()).isEqualTo("src");
    // partitions a, b, c are dealt to workers 0, 1, 2 (or all to 0 on one worker)
    assertThat(e.worker()).isEqualTo(workers == 1 ? 0 : 1);
    assertThat(e.activity()).isEqualTo("reading partition 'b'");
    assertThat(e).hasMessageContaining("while reading partition 'b'");
    assertThat(e.getCause()).isSameAs(src.thrown.get());
  }

  @Test
  void aPartitionThatCannotBeOpenedNamesTheStepAndPartition() {
    Dataflow flow = new Dataflow(TestSupport.uniqueName("open-fails"));
    flow.input("src", new FixedPartitionedSource<Integer, Void>() {
      @Override
      public List<String> listPartitions() {
        return List.of("x", "y");
      }

      @Override
      public SourcePartition<Integer, Void> buildPartition(String stepId, String partition, Void resumeState) {
        throw new IllegalArgumentException("cannot open " + partition);
      }
    }).output("out", new ListSink<>());
    StepFailedException e = runExpectingFailure(flow, 2);
    assertThat(e.stepId()).isEqualTo("src");
    assertThat(e.activity()).startsWith("opening partition '");
    assertThat(e.getCause()).hasMessageStartingWith("cannot open ");
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4})
  void aFailingSinkNamesItsStepAndWorker(int workers) {
    AtomicReference<RuntimeException> thrown = new AtomicReference<>();
    AtomicReference<Integer> failingWorker = new AtomicReference<>();
    DynamicSink<Integer> sink = (stepId, worker, count) -> items -> {
      if (items.contains(666)) {
        failingWorker.set(worker);
        RuntimeException e = new IllegalStateException("sink refused 666");
        thrown.set(e);
        throw e;
      }
    };
    Dataflow flow = new Dataflow(TestSupport.uniqueName("sink-fails"));
    flow.input("in", IterableSource.of(TestSupport.ints(1000), 1))
        .redistribute("spread")
        .output("out", sink);
    StepFailedException e = runExpectingFailure(flow, workers);
    assertThat(e.stepId()).isEqualTo("out");
    // round-robin from worker 0, one item per batch: item 666 goes to worker 666 % workers
    assertThat(e.worker()).isEqualTo(666 % workers).isEqualTo(failingWorker.get());
    assertThat(e.item()).isEqualTo("666");
    assertThat(e.getCause()).isSameAs(thrown.get());
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4})
  void aFailingStatefulLogicNamesItsStepWorkerAndKey(int workers) {
    AtomicReference<RuntimeException> thrown = new AtomicReference<>();
    Dataflow flow = new Dataflow(TestSupport.uniqueName("logic-fails"));
    flow.input("in", IterableSource.of(TestSupport.ints(100), 1))
        .keyOn("key", i -> "key" + (i % 5))
        .statefulBatch("logic", (String key, Void resume) -> new StatefulLogic<Integer, Integer, Void>() {
          @Override
          public Retention onBatch(List<Integer> values, Consumer<? super Integer> out) {
            if (values.contains(42)) {
              RuntimeException e = new UnsupportedOperationException("not 42");
              thrown.set(e);
              throw e;
            }
            return Retention.RETAIN;
          }

          @Override
          public Void snapshot() {
            return null;
          }
        })
        .output("out", new ListSink<>());
    StepFailedException e = runExpectingFailure(flow, workers);
    assertThat(e.stepId()).isEqualTo("logic");
    assertThat(e.worker()).isEqualTo(Routing.workerFor("key2", workers));
    assertThat(e.item()).isEqualTo(KV.of("key2", 42).toString());
    assertThat(e.getCause()).isSameAs(thrown.get());
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4})
  void aFailingFolderNamesTheKeyAndValue(int workers) {
    Dataflow flow = new Dataflow(TestSupport.uniqueName("fold-fails"));
    flow.input("in", IterableSource.of(TestSupport.ints(100), 7))
        .keyOn("key", i -> i % 3)
        .foldFinal("fold", () -> 0, (Integer acc, Integer v) -> {
          if (v == 50) {
            throw new IllegalArgumentException("fifty");
          }
          return acc + v;
        })
        .output("out", new ListSink<>());
    StepFailedException e = runExpectingFailure(flow, workers);
    assertThat(e.stepId()).isEqualTo("fold");
    assertThat(e.worker()).isEqualTo(Routing.workerFor(50 % 3, workers));
    assertThat(e.item()).isEqualTo(KV.of(2, 50).toString());
    assertThat(e.getCause()).hasMessage("fifty");
  }

  record Unroutable(Object payload) {}

  @ParameterizedTest
  @ValueSource(ints = {1, 4})
  void anUnroutableKeyFailsTheKeyedStepNamingTheType(int workers) {
    Dataflow flow = new Dataflow(TestSupport.uniqueName("bad-key"));
    flow.input("in", IterableSource.of(TestSupport.ints(10)))
        .keyOn("key", i -> new Unroutable(new StringBuilder("x" + i)))
        .countFinal("count", KV::key)
        .output("out", new ListSink<>());
    StepFailedException e = runExpectingFailure(flow, workers);
    // countFinal's pre-aggregation groups keys by their routing identity, so it meets the key first
    assertThat(e.stepId()).isEqualTo("count.pre");
    assertThat(e).hasMessageContaining(StringBuilder.class.getName());
  }

  /**
   * Worker 1 reads one item and then nothing; worker 0 reads an endless stream. There is no
   * exchange in the flows using it, so worker 0 keeps processing whatever worker 1 does: its
   * failure can't be held back by back-pressure from a stuck worker 1.
   */
  private static DynamicSource<Integer> workerOneReadsOneItem() {
    return (step, worker, count) -> new StatelessSourcePartition<>() {
      private int next;
      private boolean sent;

      @Override
      public List<Integer> nextBatch() {
        if (worker == 1) {
          List<Integer> once = sent ? new ArrayList<>() : new ArrayList<>(List.of(-1));
          sent = true;
          return once;
        }
        return new ArrayList<>(List.of(next++));
      }
    };
  }

  /** in → boom (throws once {@code stuck} is set) → out. */
  private static Dataflow failsWhile(String name, AtomicBoolean stuck, DynamicSink<Integer> sink) {
    Dataflow flow = new Dataflow(TestSupport.uniqueName(name));
    flow.input("in", workerOneReadsOneItem())
        .map("boom", i -> {
          if (stuck.get()) {
            throw new IllegalStateException("failing while worker 1 is stuck");
          }
          return i;
        })
        .output("out", sink);
    return flow;
  }

  @Test
  void aFailureWhileAnotherWorkerIsStuckInASlowSinkEndsTheRunPromptly() {
    AtomicBoolean sinkStuck = new AtomicBoolean();
    DynamicSink<Integer> sink = (stepId, worker, count) -> items -> {
      if (worker == 1) {
        sinkStuck.set(true);
        LockSupport.parkNanos(Duration.ofSeconds(60).toNanos()); // a very slow write
      }
    };
    Dataflow flow = failsWhile("stuck-sink", sinkStuck, sink);
    long t0 = System.nanoTime();
    StepFailedException e = catchThrowableOfType(StepFailedException.class,
        () -> Sluice.start(flow, RunConfig.workers(2)).await(Duration.ofSeconds(20)));
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    assertThat(e).isNotNull();
    assertThat(e.stepId()).isEqualTo("boom");
    assertThat(e.worker()).isZero();
    assertThat(took).isLessThan(Duration.ofSeconds(20));
    assertThat(workerThreads(flow.name())).isEmpty();
  }

  @Test
  void aFailureWhileAnotherWorkerIgnoresInterruptsReportsTheStuckThreadInsteadOfHanging() {
    AtomicBoolean sinkStuck = new AtomicBoolean();
    AtomicBoolean release = new AtomicBoolean();
    DynamicSink<Integer> sink = (stepId, worker, count) -> items -> {
      if (worker == 1) {
        sinkStuck.set(true);
        while (!release.get()) { // user code that swallows interrupts: only the test lets it go
          Thread.interrupted();
          LockSupport.parkNanos(1_000_000);
        }
      }
    };
    Dataflow flow = failsWhile("deaf-sink", sinkStuck, sink);
    try {
      StepFailedException e = catchThrowableOfType(StepFailedException.class,
          () -> Sluice.start(flow, RunConfig.workers(2)).await(Duration.ofSeconds(25)));
      assertThat(e).as("the user's failure, not a timeout").isNotNull();
      assertThat(e.stepId()).isEqualTo("boom");
      assertThat(e.getSuppressed()).anySatisfy(s -> assertThat(s)
          .hasMessageContaining("sluice-" + flow.name() + "-worker-1"));
    } finally {
      release.set(true);
    }
    TestSupport.assertNoWorkerThreads(flow.name());
  }

  @Test
  void anErrorThrownByUserCodeStillNamesStepWorkerAndItem() {
    Dataflow flow = new Dataflow(TestSupport.uniqueName("assertion-in-map"));
    flow.input("in", IterableSource.of(List.of(1, 2, 3), 1)).map("check", i -> {
      if (i == 2) {
        throw new AssertionError("expected an odd number");
      }
      return i;
    }).output("out", new ListSink<>());
    StepFailedException e = runExpectingFailure(flow, 2);
    assertThat(e.stepId()).isEqualTo("check");
    assertThat(e.worker()).isZero();
    assertThat(e.item()).isEqualTo("2");
    assertThat(e.getCause()).isInstanceOf(AssertionError.class).hasMessage("expected an odd number");
  }
}
