package io.sluice.outputs;

/** A sink with one partition on every worker; each worker writes the items it holds. */
public non-sealed interface DynamicSink<T> extends Sink<T> {
  StatelessSinkPartition<T> build(String stepId, int workerIndex, int workerCount);
}
