package io.sluice.transport;

/**
 * Creates transports; found with {@link java.util.ServiceLoader} when a run spans several
 * processes (the {@code sluice-aeron-transport} module provides one), or given explicitly in the
 * run configuration.
 */
public interface TransportFactory {
  Transport create();

  /**
   * The serde this transport uses by default for a flow with these registered types, or null if it
   * has none; recovery snapshots use it too, so that state is written as items cross processes.
   */
  default io.sluice.serde.Serde serde(java.util.List<String> registeredTypes) {
    return null;
  }
}
