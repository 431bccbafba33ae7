package io.sluice.outputs;

/**
 * Where a dataflow's items go: a {@link DynamicSink} (one partition per worker, written where the
 * items are) or a {@link FixedPartitionedSink} (named partitions, each written by one worker; items
 * travel to their partition's worker).
 */
public sealed interface Sink<T> permits FixedPartitionedSink, DynamicSink {}
