package io.sluice.windowing;

import io.sluice.dataflow.KeyedStream;

/**
 * The three outputs of a window operator (Bytewax's {@code WindowOut}), each keyed like the input.
 *
 * @param down what the windows emitted, tagged with the window id (for the aggregating operators:
 *             one value per window, when it closes)
 * @param late the items that arrived after the watermark had passed them, tagged with the window
 *             they would have belonged to (one per such window; session windows:
 *             {@link SessionWindower#LATE_SESSION_ID}); never dropped silently
 * @param meta one {@link WindowMetadata} per window when it closes (not for session windows merged
 *             into another: the target's metadata lists them)
 * @param <K>  keys
 * @param <V>  input values
 * @param <W>  emitted values
 */
public record WindowOut<K, V, W>(KeyedStream<K, Windowed<W>> down, KeyedStream<K, Windowed<V>> late,
    KeyedStream<K, Windowed<WindowMetadata>> meta) {}
