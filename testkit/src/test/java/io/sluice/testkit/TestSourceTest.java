package io.sluice.testkit;

import static io.sluice.testkit.SluiceAssertions.assertThat;

import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.Stream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** {@link TestSource}: scripted partitions, batch sizes and markers give the same items at every worker count. */
@DataflowTest(workers = {1, 2, 4})
class TestSourceTest {
  static <T> Dataflow passThrough(String name, TestSource<T> source, TestSink<T> out) {
    Dataflow flow = new Dataflow(name);
    flow.input("in", source).output("out", out);
    return flow;
  }

  @DataflowTest
  void onePartitionKeepsItsOrderAtEveryWorkerCount(DataflowRunner runner) {
    TestSink<String> out = new TestSink<>();
    TestRun run = runner.run(passThrough("one", TestSource.of("a", "b", "c", "d"), out));
    assertThat(run.output(out)).containsExactly("a", "b", "c", "d");
    assertThat(run).step("in").stayedOnOneWorker();
  }

  @DataflowTest
  void dealtPartitionsGiveTheSameItemsAndKeepOrderWithinEachPartition(DataflowRunner runner) {
    List<Integer> items = IntStream.range(0, 100).boxed().toList();
    TestSink<Integer> out = new TestSink<>();
    TestRun run = runner.run(passThrough("dealt", TestSource.dealt(4, items).withBatchSize(3), out));
    assertThat(run.output(out)).containsExactlyInAnyOrderElementsOf(items)
        .containsExactlyInOrderWithinKeyElementsOf(i -> i % 4, items);
    // each partition is read by exactly one worker, dealt evenly
    long[] read = run.itemsPerWorker("in");
    assertThat(read).hasSize(runner.workers());
    assertThat(java.util.Arrays.stream(read).sum()).isEqualTo(100);
    assertThat(java.util.Arrays.stream(read).filter(n -> n > 0).count()).isEqualTo(Math.min(4, runner.workers()));
  }

  @DataflowTest(workers = {1, 4})
  void batchSizeSetsHowManyItemsTravelTogetherAndMarkersEndABatch(DataflowRunner runner) {
    List<Integer> sizes = Collections.synchronizedList(new ArrayList<>());
    TestSink<Integer> out = new TestSink<>();
    Dataflow flow = new Dataflow("batches");
    Stream<Integer> in = flow.input("in", TestSource.of(Script.of(1, 2, 3, 4, 5).pause(Duration.ZERO).then(6, 7))
        .withBatchSize(2));
    in.flatMapBatch("sizes", batch -> {
      sizes.add(batch.size());
      return batch;
    }).output("out", out);
    TestRun run = runner.run(flow);
    assertThat(sizes).containsExactly(2, 2, 1, 2);
    assertThat(run.output(out)).containsExactly(1, 2, 3, 4, 5, 6, 7);
  }

  @DataflowTest(workers = {1, 4})
  void namedPartitionsWithScripts(DataflowRunner runner) {
    TestSource<String> source = TestSource.<String>builder()
        .partition("left", Script.of("l1", "l2").endOfStream().then("never"))
        .partition("right", "r1", "r2", "r3")
        .batchSize(1)
        .build();
    TestSink<String> out = new TestSink<>();
    TestRun run = runner.run(passThrough("named", source, out));
    assertThat(source.listPartitions()).containsExactly("left", "right");
    assertThat(source.itemsRead()).containsExactly("l1", "l2", "r1", "r2", "r3");
    assertThat(run.output(out)).containsExactlyInAnyOrder("l1", "l2", "r1", "r2", "r3")
        .containsExactlyInOrderWithinKey(s -> s.charAt(0), "l1", "l2", "r1", "r2", "r3");
  }

  @DataflowTest(workers = 2)
  void aPauseDelaysThePartitionWithoutBlockingItsWorker(DataflowRunner runner) {
    Duration pause = Duration.ofMillis(300);
    TestSource<String> source = TestSource.<String>builder()
        .partition("slow", Script.of("s1").pause(pause).then("s2"))
        .partition("fast", "f1", "f2")
        .build();
    TestSink<String> out = new TestSink<>();
    TestRun run = runner.withSystemClock().run(passThrough("pause", source, out));
    assertThat(run.output(out)).containsExactlyInAnyOrder("s1", "s2", "f1", "f2");
    assertThat(run.duration()).isGreaterThanOrEqualTo(pause);
    // a pause that slept would hold the worker for the whole pause
    assertThat(run).hasNoStepBlockingLongerThan(pause);
  }

  @DataflowTest(workers = {1, 4})
  void onVirtualTimeAnHourLongPausePassesAtOnce(DataflowRunner runner) {
    TestSource<String> source = TestSource.<String>builder()
        .partition("slow", Script.of("s1").pause(Duration.ofHours(1)).then("s2").advance(Duration.ofDays(1)).then("s3"))
        .partition("fast", "f1", "f2")
        .build();
    TestSink<String> out = new TestSink<>();
    TestRun run = runner.run(passThrough("virtual-pause", source, out));
    assertThat(run.output(out)).containsExactlyInAnyOrder("s1", "s2", "s3", "f1", "f2");
    assertThat(run.duration()).isLessThan(Duration.ofSeconds(20));
  }

  @DataflowTest(workers = {1, 4})
  void anAbortStopsTheRunAsIfCrashedAfterTheItemsBeforeIt(DataflowRunner runner) {
    TestSink<Integer> out = new TestSink<>();
    Dataflow flow = passThrough("abort", TestSource.of(Script.of(1, 2, 3).abort().then(4, 5)), out);
    AbortedRun aborted = runner.runUntilAbort(flow);
    assertThat(aborted.partition()).isEqualTo("partition-0");
    assertThat(aborted.failure().stepId()).isEqualTo("in");
    assertThat(aborted.failure()).hasMessageContaining("scripted abort in test source partition 'partition-0'"
        + " after 3 items");
    // no exchange between source and sink: what was read before the abort was written
    assertThat(aborted.output(out)).containsExactly(1, 2, 3);
  }

  @Test
  void runUntilAbortFailsWhenTheRunFinishes() {
    TestSink<Integer> out = new TestSink<>();
    Dataflow flow = passThrough("no-abort", TestSource.of(1), out);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> DataflowRunner.withWorkers(2).runUntilAbort(flow))
        .isInstanceOf(AssertionError.class)
        .hasMessage("expected dataflow 'no-abort' to stop at a test source's abort marker on 2 workers, but it finished");
  }

  @Test
  void aSourceIsAValueThatRunsAgainAndAgain() {
    TestSource<Integer> source = TestSource.partitioned(Map.of("only", List.of(7, 8, 9)));
    TestSink<Integer> out = new TestSink<>();
    Dataflow flow = passThrough("again", source, out);
    DataflowRunner runner = DataflowRunner.withWorkers(2);
    for (int i = 0; i < 3; i++) {
      assertThat(runner.run(flow).output(out)).containsExactly(7, 8, 9);
    }
    assertThat(out.items()).containsExactly(7, 8, 9);
  }

  @Test
  void scriptsShowTheirEntries() {
    assertThat(Script.of("a").pause(Duration.ofMillis(5)).then("b").abort().toString())
        .isEqualTo("Script[\"a\", Pause[duration=PT0.005S], \"b\", Abort[]]");
  }
}
