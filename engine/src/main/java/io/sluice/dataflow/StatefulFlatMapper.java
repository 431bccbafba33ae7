package io.sluice.dataflow;

/** Maps a value to any number of outputs using and updating its key's state. */
@FunctionalInterface
public interface StatefulFlatMapper<S, V, W> {
  Iterable<? extends W> apply(ValueState<S> state, V value);
}
