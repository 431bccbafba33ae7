package io.sluice.metrics;

import io.sluice.run.RunObserver;
import io.sluice.run.RunObserverProvider;

/** What {@code sluice run --metrics-port N} finds with {@link java.util.ServiceLoader}: {@link SluiceMetrics#serve(java.net.InetSocketAddress)}. */
public final class SluiceMetricsProvider implements RunObserverProvider {
  @Override
  public RunObserver serveMetrics(java.net.InetSocketAddress address) {
    return SluiceMetrics.serve(address);
  }
}
