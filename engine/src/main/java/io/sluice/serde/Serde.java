package io.sluice.serde;

/**
 * Turns items into bytes and back, for items that cross processes (and for the serde check that
 * makes a one-process run do the same round trip). Implementations must be thread-safe and must
 * refuse to create types the flow did not allow.
 */
public interface Serde {
  byte[] serialize(Object item);

  Object deserialize(byte[] bytes);

  /** Serializes and deserializes {@code item}: what crossing a process boundary does to it. */
  default Object roundTrip(Object item) {
    return deserialize(serialize(item));
  }
}
