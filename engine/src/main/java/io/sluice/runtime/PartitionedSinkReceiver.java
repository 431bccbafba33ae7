package io.sluice.runtime;

import io.sluice.outputs.FixedPartitionedSink;
import io.sluice.outputs.SinkPartition;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;

/** An output step on a fixed-partitioned sink: writes the partitions this worker owns. */
final class PartitionedSinkReceiver extends ExchangeReceiver {
  private final FixedPartitionedSink<Object, ?> sink;
  private final Map<Integer, SinkPartition<Object, ?>> owned;
  private final int partitionCount;
  private boolean closed;

  PartitionedSinkReceiver(String stepId, Worker w, StepMetrics m, Queue<Object>[] channels,
      FixedPartitionedSink<Object, ?> sink, Map<Integer, SinkPartition<Object, ?>> owned, int partitionCount) {
    super(stepId, w, m, 0, channels);
    this.sink = sink;
    this.owned = owned;
    this.partitionCount = partitionCount;
    w.closeOnExit(this::close);
  }

  @Override
  void process(long epoch, List<Object> items) {
    Map<Integer, List<Object>> byPartition = new LinkedHashMap<>();
    for (Object item : items) {
      int p;
      try {
        p = sink.partitionFor(item, partitionCount);
      } catch (RuntimeException | Error e) {
        throw failure(item, e);
      }
      byPartition.computeIfAbsent(p, k -> new ArrayList<>()).add(item);
    }
    long t0 = System.nanoTime();
    for (Map.Entry<Integer, List<Object>> e : byPartition.entrySet()) {
      SinkPartition<Object, ?> part = owned.get(e.getKey());
      if (part == null) {
        throw new IllegalStateException("step '" + stepId + "': worker " + worker.index
            + " received items for partition " + e.getKey() + " which it does not own");
      }
      try {
        part.writeBatch(e.getValue(), epoch);
      } catch (RuntimeException | Error ex) {
        throw failure(e.getValue(), ex);
      }
    }
    recordActivation(System.nanoTime() - t0);
  }

  @Override
  void finish() {
    try {
      close();
    } catch (RuntimeException | Error e) {
      throw failureDuring("closing its sink partitions", e);
    }
  }

  private void close() {
    if (!closed) {
      closed = true;
      for (SinkPartition<Object, ?> p : owned.values()) {
        p.close();
      }
    }
  }
}
