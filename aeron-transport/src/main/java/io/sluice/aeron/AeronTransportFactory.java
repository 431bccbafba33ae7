package io.sluice.aeron;

import io.sluice.transport.Transport;
import io.sluice.transport.TransportFactory;

/** Registers {@link AeronTransport} with {@link java.util.ServiceLoader} as the default cross-process transport. */
public final class AeronTransportFactory implements TransportFactory {
  @Override
  public Transport create() {
    return new AeronTransport(AeronTransport.Settings.fromSystemProperties());
  }

  @Override
  public io.sluice.serde.Serde serde(java.util.List<String> registeredTypes) {
    return AeronTransport.defaultSerde(registeredTypes);
  }

  @Override
  public io.sluice.serde.Serde snapshotSerde(java.util.List<String> registeredTypes) {
    return new ForySerde(registeredTypes, true, true);
  }
}
