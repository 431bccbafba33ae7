package io.sluice.windowing;

/**
 * A value with the id of the window it belongs to: the item type of a {@link WindowOut}'s streams
 * (Bytewax's {@code (window_id, value)} tuple). Ids are per key: for tumbling and sliding windows
 * the number of window lengths (offsets) since {@code alignTo}, the same for every key; for session
 * windows a counter per key, with {@link SessionWindower#LATE_SESSION_ID} for late items.
 *
 * @param windowId the window's id
 * @param value    the value
 */
public record Windowed<T>(long windowId, T value) implements java.io.Serializable {}
