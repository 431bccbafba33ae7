package io.sluice.outputs;

/** A partition of a {@link FixedPartitionedSink} that can snapshot how far it has written. */
public interface SinkPartition<T, S> extends StatelessSinkPartition<T> {
  S snapshot();
}
