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
   * has none.
   */
  default io.sluice.serde.Serde serde(java.util.List<String> registeredTypes) {
    return null;
  }

  /**
   * The serde recovery snapshots use by default: this transport's serde, but keeping object
   * references (a state may share objects or refer to itself, and comes back the same), or null if
   * it has none. Defaults to {@link #serde}.
   */
  default io.sluice.serde.Serde snapshotSerde(java.util.List<String> registeredTypes) {
    return serde(registeredTypes);
  }
}
