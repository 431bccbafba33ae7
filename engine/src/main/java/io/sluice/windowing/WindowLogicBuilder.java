package io.sluice.windowing;

/** Builds the {@link WindowLogic} of one window, fresh or from its snapshot. */
@FunctionalInterface
public interface WindowLogicBuilder<V, W, S> {
  /** @param resumeState a value from {@link WindowLogic#snapshot()}, or {@code null} for a new window */
  WindowLogic<V, W, S> build(S resumeState);
}
