package io.sluice.run;

/**
 * Builds the observer behind {@code sluice run --metrics-port N}: found with
 * {@link java.util.ServiceLoader} when {@code sluice-metrics} is on the classpath, so the engine
 * itself depends on no metrics library.
 */
public interface RunObserverProvider {
  /**
   * An observer that serves {@code /metrics} (Prometheus text) and {@code /health} on
   * {@code address} (port 0 for any free port), started before this returns.
   *
   * @throws java.io.UncheckedIOException if the port cannot be bound
   */
  RunObserver serveMetrics(java.net.InetSocketAddress address);
}
