package io.sluice.transport;

/**
 * Creates transports; found with {@link java.util.ServiceLoader} when a run spans several
 * processes (the {@code sluice-aeron-transport} module provides one), or given explicitly in the
 * run configuration.
 */
public interface TransportFactory {
  Transport create();
}
