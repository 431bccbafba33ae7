package io.sluice.dataflow;

import java.time.Instant;

/**
 * A {@link StatefulLogic} that keeps a watermark (the window steps' logic does): after each
 * {@code onBatch} and {@code onNotify} of a key the runtime reads {@link #watermark()} and keeps,
 * per step and worker, the newest watermark of any of the step's keys and how far it is behind the
 * run's clock ({@link io.sluice.run.LiveStats.Step#watermarkMillis()},
 * {@link io.sluice.run.LiveStats.Step#watermarkLagMillis()}; the {@code sluice-metrics} module
 * serves them as {@code sluice_window_watermark_lag_seconds}).
 */
public interface Watermarked {
  /**
   * The key's watermark now: {@link Instant#MIN} (or null) before it has one. Called on the worker's
   * thread right after the key's logic ran; must be cheap and not throw.
   */
  Instant watermark();
}
