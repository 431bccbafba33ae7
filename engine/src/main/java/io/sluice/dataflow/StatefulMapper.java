package io.sluice.dataflow;

/**
 * Maps a value to one output using and updating its key's state ({@link KeyedStream#statefulMap}).
 * Return a new object or a copy, never the state object itself if the state changes later: the
 * output is shared by reference with later steps (see {@link Stream}).
 */
@FunctionalInterface
public interface StatefulMapper<S, V, W> {
  W apply(ValueState<S> state, V value);
}
