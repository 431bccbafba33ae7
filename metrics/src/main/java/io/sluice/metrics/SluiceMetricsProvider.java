package io.sluice.metrics;

import io.sluice.run.RunObserver;
import io.sluice.run.RunObserverProvider;

/** What {@code sluice run --metrics-port N} finds with {@link java.util.ServiceLoader}: {@link SluiceMetrics#serve(int)}. */
public final class SluiceMetricsProvider implements RunObserverProvider {
  @Override
  public RunObserver serveMetrics(int port) {
    return SluiceMetrics.serve(port);
  }
}
