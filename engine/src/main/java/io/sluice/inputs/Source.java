package io.sluice.inputs;

/**
 * Where a dataflow's items come from: either a {@link FixedPartitionedSource} (a fixed list of
 * partitions, each read by exactly one worker) or a {@link DynamicSource} (one partition per worker).
 *
 * @param <T> the item type
 */
public sealed interface Source<T> permits FixedPartitionedSource, DynamicSource {}
