package io.sluice.outputs;

import io.sluice.dataflow.KV;
import io.sluice.inputs.Routing;
import java.util.List;

/**
 * A sink made of named partitions (files, Kafka topic partitions). Each partition is assigned to
 * one worker like a source's; every item is sent to the worker of the partition
 * {@link #partitionFor} picks, so a partition is only ever written by one thread.
 */
public non-sealed interface FixedPartitionedSink<T, S> extends Sink<T> {
  List<String> listPartitions();

  /**
   * The index, in {@link #listPartitions()}, of the partition {@code item} goes to. The default
   * hashes a {@link KV}'s key, or else the item, with {@link Routing#hash(Object)}.
   */
  default int partitionFor(T item, int partitionCount) {
    Object key = item instanceof KV<?, ?> kv ? kv.key() : item;
    return Math.floorMod(Routing.hash(key), partitionCount);
  }

  SinkPartition<T, S> buildPartition(String stepId, String partition, S resumeState);
}
