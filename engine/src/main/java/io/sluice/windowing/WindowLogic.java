package io.sluice.windowing;

import java.util.function.Consumer;

/**
 * What a {@code window} step does within one window of one key (Bytewax's {@code WindowLogic}):
 * one instance per open window, built by a {@link WindowLogicBuilder}. Whatever it emits goes to
 * the {@link WindowOut#down() down} stream tagged with the window's id.
 *
 * @param <V> input values
 * @param <W> emitted values
 * @param <S> snapshot type
 */
public interface WindowLogic<V, W, S> {
  /** A value of this window; in timestamp order if the step is ordered, else in arrival order. */
  void onValue(V value, Consumer<? super W> out);

  /**
   * Takes over the state of {@code original}, a window merged into this one (session windows);
   * {@code original} is dropped afterwards. It was built by the same builder.
   */
  void onMerge(WindowLogic<V, W, S> original, Consumer<? super W> out);

  /** The window closed (the watermark passed its close, or the input ended). */
  void onClose(Consumer<? super W> out);

  /** The state that rebuilds this logic via its builder: {@code null} or JDK types / records. */
  S snapshot();
}
