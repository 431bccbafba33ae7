package io.sluice.testkit.recovery;

import static io.sluice.testkit.SluiceAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.KV;
import io.sluice.inputs.EpochBoundary;
import io.sluice.inputs.FixedPartitionedSource;
import io.sluice.inputs.SourcePartition;
import io.sluice.recovery.RecoveryStore;
import io.sluice.run.RunConfig;
import io.sluice.run.RunResult;
import io.sluice.run.RunningDataflow;
import io.sluice.run.Sluice;
import io.sluice.testkit.Crash;
import io.sluice.testkit.CrashedRun;
import io.sluice.testkit.DataflowRunner;
import io.sluice.testkit.DataflowTest;
import io.sluice.testkit.RecoveryRun;
import io.sluice.testkit.TestRun;
import io.sluice.testkit.TestSink;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Source read-ahead against recovery, epoch boundaries, failures in the second call and a graceful stop. */
class ReadAheadAttackTest {
  static final int ITEMS = 60;
  /** The largest batch the source's downstream saw: more than 1 shows the partitions read ahead. */
  static final java.util.concurrent.atomic.AtomicInteger LARGEST_BATCH = new java.util.concurrent.atomic.AtomicInteger();

  /** Three partitions of {@code ITEMS} one-item batches each, reading ahead, closing an epoch every {@code every} items. */
  record Source(int every, int throwAtCall, AtomicBoolean endless) implements FixedPartitionedSource<String, Integer> {
    @Override
    public List<String> listPartitions() {
      return List.of("p0", "p1", "p2");
    }

    @Override
    public SourcePartition<String, Integer> buildPartition(String stepId, String partition, Integer resumeState) {
      return new Part(partition, resumeState == null ? 0 : resumeState);
    }

    final class Part implements SourcePartition<String, Integer>, EpochBoundary {
      final String name;
      int next;
      int calls;

      Part(String name, int next) {
        this.name = name;
        this.next = next;
      }

      @Override
      public List<String> nextBatch() {
        calls++;
        if (calls == throwAtCall && name.equals("p1")) {
          throw new IllegalStateException("boom in call " + calls);
        }
        if (next >= ITEMS && (endless == null || !endless.get())) {
          return null;
        }
        List<String> b = new ArrayList<>(1);
        b.add(name.substring(1) + ":" + next++);
        return b;
      }

      @Override
      public boolean closeEpochAfterBatch(long openEpoch) {
        return every > 0 && next % every == 0;
      }

      @Override
      public boolean readAhead() {
        return true;
      }

      @Override
      public Integer snapshot() {
        return next;
      }
    }
  }

  static Dataflow flow(Source source, TestSink<KV<String, Long>> out) {
    Dataflow flow = new Dataflow("readahead-attack");
    flow.input("in", source)
        .flatMapBatch("sizes", (List<String> batch) -> {
          LARGEST_BATCH.accumulateAndGet(batch.size(), Math::max);
          return batch;
        })
        .keyOn("key", (String s) -> s.substring(0, 1) + (Integer.parseInt(s.substring(2)) % 4))
        .<Long, Long>statefulMap("count", (state, v) -> {
          long n = state.get() == null ? 1 : state.get() + 1;
          state.set(n);
          return n;
        })
        .output("out", out);
    return flow;
  }

  @DataflowTest(workers = {1, 2}, processes = {1, 2})
  void aCrashedReadAheadSourceResumesWithNothingLost(DataflowRunner r, @TempDir Path dir) {
    Source source = new Source(7, -1, null);
    TestSink<KV<String, Long>> ref = new TestSink<>();
    LARGEST_BATCH.set(0);
    TestRun reference = r.run(flow(source, ref));
    org.assertj.core.api.Assertions.assertThat(LARGEST_BATCH).as("read ahead").hasValueGreaterThan(1);
    TestSink<KV<String, Long>> before = new TestSink<>();
    CrashedRun crashed = r.withRecovery(dir).runUntilCrash(flow(source, before),
        Crash.whenStepSeesItemNumber("count", 100));
    long resumeEpoch = RecoveryStore.inspect(dir).newestCompleteEpoch();
    TestSink<KV<String, Long>> after = new TestSink<>();
    TestRun resumed = r.withRecovery(dir).run(flow(source, after));
    RecoveryRun<KV<String, Long>> rec = RecoveryRun.of(reference.output(ref), crashed.output(before), resumeEpoch,
        resumed.output(after));
    assertThat(rec).lostNothing().duplicatedOnlyAfterTheSnapshot().endsInTheSameStateAsTheUninterruptedRun();
    assertThat(resumeEpoch).isPositive();
    org.assertj.core.api.Assertions.assertThat(resumed.step("in").totalOut()).isLessThan(3 * ITEMS);
  }

  @Test
  void aPartitionThrowingInTheSecondCallOfAReadAheadIsNamed() {
    assertThatThrownBy(() -> DataflowRunner.withWorkers(2).run(flow(new Source(0, 2, null), new TestSink<>())))
        .hasMessageContaining("'in'")
        .hasMessageContaining("worker")
        .hasMessageContaining("partition 'p1'")
        .hasStackTraceContaining("boom in call 2");
  }

  @Test
  void aGracefulStopInTheMiddleDrainsWhatWasReadAhead() throws Exception {
    AtomicBoolean endless = new AtomicBoolean(true);
    ListSink<String> sink = new ListSink<>();
    Dataflow flow = new Dataflow("readahead-stop");
    flow.input("in", new Source(0, -1, endless)).output("out", sink);
    RunningDataflow run = Sluice.start(flow, RunConfig.workers(2));
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> sink.items().size() > 5_000);
    run.stop("test");
    RunResult result = run.await(Duration.ofSeconds(30));
    List<String> items = new ArrayList<>(sink.items());
    org.assertj.core.api.Assertions.assertThat(items).hasSize((int) result.step("in").totalOut());
    for (String p : List.of("0", "1", "2")) {
      List<Integer> seq = items.stream().filter(s -> s.startsWith(p + ":")).map(s -> Integer.parseInt(s.substring(2))).toList();
      for (int i = 0; i < seq.size(); i++) {
        org.assertj.core.api.Assertions.assertThat(seq.get(i)).as("partition %s item %d", p, i).isEqualTo(i);
      }
    }
  }

  @Test
  void aCrashedRunOfTwoProcessesUnderInvokerThreadingResumesWithNothingLost(@TempDir Path dir) {
    DataflowRunner r = DataflowRunner.withWorkers(2).withProcesses(2)
        .withConfig(c -> c.withIdle(io.sluice.run.IdleProfile.LATENCY));
    aCrashedReadAheadSourceResumesWithNothingLost(r, dir);
  }

  /** One item per call; after every 6th the partition asks to be called 1 s later (virtual time jumps there). */
  record Pausing(boolean readAhead) implements io.sluice.inputs.DynamicSource<Integer> {
    @Override
    public io.sluice.inputs.StatelessSourcePartition<Integer> build(String stepId, int worker, int workers) {
      return new io.sluice.inputs.StatelessSourcePartition<>() {
        int next;
        java.time.Instant awake;

        @Override
        public List<Integer> nextBatch() {
          if (next >= 40) {
            return null;
          }
          awake = next % 6 == 5 ? io.sluice.time.RunClock.now().plusSeconds(1) : null;
          return new ArrayList<>(List.of(worker * 1000 + next++));
        }

        @Override
        public java.time.Instant nextAwake() {
          return awake;
        }

        @Override
        public boolean readAhead() {
          return readAhead;
        }
      };
    }
  }

  private static List<String> timesSeen(boolean readAhead) {
    ListSink<String> sink = new ListSink<>();
    Dataflow flow = new Dataflow("readahead-virtual");
    flow.input("in", new Pausing(readAhead))
        .map("stamp", (Integer i) -> i + "@" + io.sluice.time.RunClock.now())
        .output("out", sink);
    DataflowRunner.withWorkers(2).run(flow);
    return sink.items();
  }

  @Test
  void underVirtualTimeItemsSeeTheSameTimesWithAndWithoutReadAhead() {
    List<String> without = timesSeen(false);
    org.assertj.core.api.Assertions.assertThat(without).hasSize(80);
    org.assertj.core.api.Assertions.assertThat(timesSeen(true)).containsExactlyInAnyOrderElementsOf(without);
  }
}
