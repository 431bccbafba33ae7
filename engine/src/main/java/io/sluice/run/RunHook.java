package io.sluice.run;

import java.util.List;

/**
 * Test hook: the runtime calls it at the points where a test may inject a crash (by throwing,
 * which stops the run like a failure in user code: no snapshot is taken after it). The testkit's
 * crash injection implements it; production runs set none. Calls come from worker threads,
 * concurrently: implementations must be thread-safe and fast.
 */
public interface RunHook {
  /** Step {@code stepId} on worker {@code worker} is about to process {@code items} (one batch). */
  default void beforeStep(String stepId, int worker, List<?> items) {}

  /** Worker {@code worker} closed {@code epoch} and, with recovery, handed its snapshots to the store. */
  default void afterEpoch(int worker, long epoch) {}
}
