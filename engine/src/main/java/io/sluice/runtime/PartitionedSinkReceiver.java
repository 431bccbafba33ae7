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
  private final List<String> names;
  private boolean closed;
  /** With recovery: the owned partitions' snapshots at the last aligned epoch, until the worker takes them. */
  private Map<String, Object> toStore;
  private long toStoreEpoch;

  PartitionedSinkReceiver(String stepId, Worker w, StepMetrics m, Queue<Object>[] channels,
      FixedPartitionedSink<Object, ?> sink, Map<Integer, SinkPartition<Object, ?>> owned, List<String> names) {
    super(stepId, w, m, 0, channels);
    this.sink = sink;
    this.owned = owned;
    this.names = names;
    this.partitionCount = names.size();
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
    long t0 = beginActivation();
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
  void aligned(long epoch) {
    if (!worker.snapshotting) {
      return;
    }
    Map<String, Object> states = new LinkedHashMap<>();
    for (Map.Entry<Integer, SinkPartition<Object, ?>> e : owned.entrySet()) {
      String name = names.get(e.getKey());
      try {
        states.put(name, e.getValue().snapshot());
      } catch (RuntimeException | Error ex) {
        throw failureDuring("snapshotting sink partition '" + name + "'", ex);
      }
    }
    toStore = states;
    toStoreEpoch = epoch;
  }

  /** The owned partitions' snapshots taken when {@code epoch} closed, or null; cleared once taken. */
  Map<String, Object> takeSnapshots(long epoch) {
    Map<String, Object> s = toStore;
    if (s != null && toStoreEpoch == epoch) {
      toStore = null;
      return s;
    }
    return null;
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
