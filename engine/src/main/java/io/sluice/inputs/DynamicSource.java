package io.sluice.inputs;

/**
 * A source with one partition on every worker, built with the worker's index (e.g. a generator,
 * or a reader that splits its work by worker index). It has no resume state.
 */
public non-sealed interface DynamicSource<T> extends Source<T> {
  StatelessSourcePartition<T> build(String stepId, int workerIndex, int workerCount);
}
