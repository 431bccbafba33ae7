package io.sluice.inputs;

/** A partition of a {@link FixedPartitionedSource}: a stateless partition that can also snapshot where it is. */
public interface SourcePartition<T, S> extends StatelessSourcePartition<T> {
  /** The state that resumes this partition right after the last item returned. */
  S snapshot();
}
