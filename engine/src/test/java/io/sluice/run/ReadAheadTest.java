package io.sluice.run;

import static io.sluice.TestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.TestSupport;
import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import io.sluice.inputs.DynamicSource;
import io.sluice.inputs.EpochBoundary;
import io.sluice.inputs.StatelessSourcePartition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * {@link StatelessSourcePartition#readAhead()}: a partition that turns it on may be called again in
 * the same activation while it returns items, and downstream sees them as one batch; where it
 * returns an empty batch, ends, asks for a later call or marks an epoch end, a batch ends. Batch
 * sizes are observed with {@code flatMapBatch}, which sees each batch as it arrives.
 */
class ReadAheadTest {

  /**
   * A partition on worker 0 that returns {@code script} call by call: an Integer is a one-item batch,
   * {@code "gap"} an empty batch, {@code "close"} a one-item batch (item -1) after which it closes
   * the epoch; after the script, {@code null}.
   */
  static final class Scripted implements DynamicSource<Integer> {
    private final List<Object> script;
    private final boolean readAhead;

    Scripted(List<Object> script, boolean readAhead) {
      this.script = script;
      this.readAhead = readAhead;
    }

    @Override
    public StatelessSourcePartition<Integer> build(String stepId, int workerIndex, int workerCount) {
      if (workerIndex != 0) {
        return () -> null;
      }
      return new Partition();
    }

    final class Partition implements StatelessSourcePartition<Integer>, EpochBoundary {
      int at;
      boolean closeAfter;

      @Override
      public List<Integer> nextBatch() {
        if (at == script.size()) {
          return null;
        }
        Object step = script.get(at++);
        closeAfter = step.equals("close");
        if (step.equals("gap")) {
          return new ArrayList<>();
        }
        return new ArrayList<>(List.of(closeAfter ? -1 : (Integer) step));
      }

      @Override
      public boolean closeEpochAfterBatch(long openEpoch) {
        return closeAfter;
      }

      @Override
      public boolean readAhead() {
        return readAhead;
      }
    }
  }

  /** Runs the script on one worker and returns the batch sizes {@code flatMapBatch} saw; checks the items and their order. */
  private static List<Integer> batchSizes(List<Object> script, boolean readAhead, RunConfig config) {
    Dataflow flow = new Dataflow(TestSupport.uniqueName("readahead"));
    List<Integer> sizes = Collections.synchronizedList(new ArrayList<>());
    ListSink<Integer> sink = new ListSink<>();
    flow.input("in", new Scripted(script, readAhead))
        .flatMapBatch("sizes", (List<Integer> batch) -> {
          sizes.add(batch.size());
          return batch;
        })
        .output("out", sink);
    run(flow, config);
    List<Integer> expected = script.stream()
        .filter(s -> !s.equals("gap"))
        .map(s -> s.equals("close") ? -1 : (Integer) s)
        .toList();
    assertThat(sink.items()).containsExactlyElementsOf(expected);
    return sizes;
  }

  private static List<Object> ones(int n) {
    return new ArrayList<>(IntStream.range(0, n).boxed().toList());
  }

  @Test
  void offByDefaultEveryCallIsItsOwnBatch() {
    StatelessSourcePartition<Integer> p = () -> null;
    assertThat(p.readAhead()).isFalse();
    assertThat(batchSizes(ones(20), false, RunConfig.workers(1))).hasSize(20).containsOnly(1);
  }

  @Test
  void onOneItemCallsBecomeBatchesOfAtMost256() {
    List<Integer> sizes = batchSizes(ones(1_000), true, RunConfig.workers(1));
    assertThat(sizes).allSatisfy(s -> assertThat(s).isBetween(1, 256));
    assertThat(sizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(1_000);
    // the partition always has its next item ready, so every batch but the last is full
    assertThat(sizes).containsExactly(256, 256, 256, 232);
  }

  @Test
  void anEmptyBatchEndsTheReadAhead() {
    List<Object> script = new ArrayList<>(List.of(1, 2, 3, "gap", 4, 5, "gap", "gap", 6));
    assertThat(batchSizes(script, true, RunConfig.workers(1))).containsExactly(3, 2, 1);
  }

  @Test
  void anEpochEndThePartitionMarksEndsTheBatch() {
    List<Object> script = new ArrayList<>(List.of(1, 2, "close", 3, 4, "close", 5));
    assertThat(batchSizes(script, true, RunConfig.workers(1))).containsExactly(3, 3, 1);
  }

  @Test
  void theItemsBeforeThePartitionsEndAreEmittedAndTheRunEnds() {
    assertThat(batchSizes(ones(3), true, RunConfig.workers(2))).containsExactly(3);
  }

  @Test
  void noReadAheadWhenEveryBatchIsItsOwnEpoch() {
    assertThat(batchSizes(ones(10), true, RunConfig.workers(1).withEpochInterval(Duration.ZERO)))
        .hasSize(10).containsOnly(1);
  }

  @Test
  void aLaterAwakeEndsTheBatch() {
    // the partition asks to be called again 1 ms later after every third item
    Dataflow flow = new Dataflow(TestSupport.uniqueName("readahead-awake"));
    List<Integer> sizes = Collections.synchronizedList(new ArrayList<>());
    ListSink<Integer> sink = new ListSink<>();
    flow.input("in", (DynamicSource<Integer>) (step, worker, count) -> worker != 0 ? () -> null
            : new StatelessSourcePartition<>() {
              int next;
              java.time.Instant awake;

              @Override
              public List<Integer> nextBatch() {
                if (next == 9) {
                  return null;
                }
                int i = next++;
                awake = i % 3 == 2 ? java.time.Instant.now().plusMillis(1) : null;
                return new ArrayList<>(List.of(i));
              }

              @Override
              public java.time.Instant nextAwake() {
                return awake;
              }

              @Override
              public boolean readAhead() {
                return true;
              }
            })
        .flatMapBatch("sizes", (List<Integer> batch) -> {
          sizes.add(batch.size());
          return batch;
        })
        .output("out", sink);
    run(flow, RunConfig.workers(1));
    assertThat(sink.items()).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8);
    assertThat(sizes).containsExactly(3, 3, 3);
  }
}
