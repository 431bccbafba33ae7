package io.sluice.runtime;

import io.sluice.dataflow.KV;
import io.sluice.inputs.Routing;
import io.sluice.outputs.FixedPartitionedSink;
import java.util.List;
import java.util.Map;

/** Picks the target worker of an item at an exchange. One instance per sending worker. */
interface Router {
  int route(Object item);

  /** redistribute: round-robin, each sender starting at its own index so load spreads at once. */
  static Router roundRobin(int senderIndex, int workerCount) {
    return new Router() {
      private int next = senderIndex % workerCount;

      @Override
      public int route(Object item) {
        int t = next;
        next = t + 1 == workerCount ? 0 : t + 1;
        return t;
      }
    };
  }

  /** Keyed steps: the key's owner by {@link Routing#workerFor}. */
  static Router byKey(String stepId, int workerCount) {
    return item -> {
      if (!(item instanceof KV<?, ?> kv)) {
        throw new IllegalStateException("step '" + stepId + "' expects KV items, got "
            + (item == null ? "null" : item.getClass().getName()));
      }
      return Routing.workerFor(kv.key(), workerCount);
    };
  }

  /** Fixed-partitioned sinks: the worker that owns the item's partition. */
  @SuppressWarnings("unchecked")
  static Router byPartition(FixedPartitionedSink<?, ?> sink, List<String> partitions, Map<String, Integer> owners) {
    FixedPartitionedSink<Object, ?> s = (FixedPartitionedSink<Object, ?>) sink;
    int[] ownerOfIndex = new int[partitions.size()];
    for (int i = 0; i < ownerOfIndex.length; i++) {
      ownerOfIndex[i] = owners.get(partitions.get(i));
    }
    return item -> {
      int p = s.partitionFor(item, ownerOfIndex.length);
      if (p < 0 || p >= ownerOfIndex.length) {
        throw new IllegalStateException("partitionFor returned " + p + " for " + ownerOfIndex.length + " partitions");
      }
      return ownerOfIndex[p];
    };
  }
}
