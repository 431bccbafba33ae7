package io.sluice.dataflow;

/** Maps a value to one output using and updating its key's state ({@link KeyedStream#statefulMap}). */
@FunctionalInterface
public interface StatefulMapper<S, V, W> {
  W apply(ValueState<S> state, V value);
}
