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

  /**
   * Keyed steps: the key's owner by {@link Routing#workerFor}. The last owner computed for each of
   * {@value KeyRouter#SLOTS} hash slots is remembered, so a key seen
   * again costs its (cached, for strings) {@code hashCode} and an {@code equals} instead of
   * serializing and murmur-hashing it. Placement is unchanged: a cached owner was computed by
   * {@code Routing.workerFor} for a key of the same {@link Routing#identity identity}.
   */
  static Router byKey(String stepId, int workerCount) {
    // at one worker too: the first sight of a key still checks that it has a routing form
    return new KeyRouter(stepId, workerCount);
  }

  private static KV<?, ?> checkKv(String stepId, Object item) {
    if (!(item instanceof KV<?, ?> kv)) {
      throw new IllegalStateException("step '" + stepId + "' expects KV items, got "
          + (item == null ? "null" : item.getClass().getName()));
    }
    return kv;
  }

  /** A direct-mapped cache of key owners; one instance per sending worker, so no synchronization. */
  final class KeyRouter implements Router {
    static final int SLOTS = 4096;
    private final String stepId;
    private final int workerCount;
    private final Object[] keys = new Object[SLOTS];
    private final int[] owners = new int[SLOTS];

    KeyRouter(String stepId, int workerCount) {
      this.stepId = stepId;
      this.workerCount = workerCount;
    }

    @Override
    public int route(Object item) {
      Object key = Routing.identity(checkKv(stepId, item).key());
      int h = key.hashCode();
      int slot = (h ^ (h >>> 16)) & (SLOTS - 1);
      Object cached = keys[slot];
      if (cached != null && (cached == key || (cached.getClass() == key.getClass() && cached.equals(key)))) {
        return owners[slot];
      }
      int owner = Routing.workerFor(key, workerCount);
      keys[slot] = key;
      owners[slot] = owner;
      return owner;
    }
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
