package io.sluice.inputs;

/** A key type that defines its own stable routing bytes for {@link Routing}. */
public interface RoutingKey {
  /** Bytes that are equal for equal keys in every JVM (never derived from {@code hashCode}). */
  byte[] routingBytes();
}
