package io.sluice.dataflow;

import java.io.Serializable;
import java.time.Instant;
import java.util.List;

/**
 * The state (and snapshot) of one key of {@link KeyedStream#collect}: the values collected so far,
 * in arrival order, and when they are due to be emitted by timeout ({@code null} when none are
 * waiting). As Bytewax's {@code _CollectState}, the deadline is kept in the snapshot, so a run
 * resumed from it emits the list where an uninterrupted run would have. This is what an
 * interactive test's state read of a collect step returns.
 *
 * @param buffer   the values collected so far (a copy: changing it changes nothing)
 * @param deadline when the list is emitted if it does not fill up first, or null
 * @param <V>      the values' type
 */
public record CollectState<V>(List<V> buffer, Instant deadline) implements Serializable {}
