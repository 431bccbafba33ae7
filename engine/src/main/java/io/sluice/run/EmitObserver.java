package io.sluice.run;

import java.util.List;

/**
 * Sees every batch a step emits, on the worker thread that emits it, before the next step gets it.
 * For test tooling: the testkit uses it to notice items changed after they were emitted (Sluice
 * passes items by reference between steps of one process, so such a change reaches later steps
 * and sinks on some worker and process counts and not on others). Must be thread-safe and must
 * not modify or keep the list (it may keep the items).
 */
@FunctionalInterface
public interface EmitObserver {
  /**
   * @param stepId the step that emitted the batch
   * @param worker the global index of the emitting worker
   * @param items  the batch, non-empty; read-only
   */
  void emitted(String stepId, int worker, List<?> items);
}
