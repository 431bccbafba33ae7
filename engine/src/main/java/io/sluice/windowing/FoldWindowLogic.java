package io.sluice.windowing;

import java.util.function.BiFunction;
import java.util.function.BinaryOperator;
import java.util.function.Consumer;

/** foldWindow and what is built on it: an accumulator per window, emitted when it closes. */
final class FoldWindowLogic<V, A> implements WindowLogic<V, A, A> {
  private final BiFunction<? super A, ? super V, ? extends A> folder;
  private final BinaryOperator<A> merger;
  private final boolean emitNull;
  private A acc;

  FoldWindowLogic(A initial, BiFunction<? super A, ? super V, ? extends A> folder, BinaryOperator<A> merger,
      boolean emitNull) {
    this.acc = initial;
    this.folder = folder;
    this.merger = merger;
    this.emitNull = emitNull;
  }

  @Override
  public void onValue(V value, Consumer<? super A> out) {
    acc = folder.apply(acc, value);
  }

  @Override
  public void onMerge(WindowLogic<V, A, A> original, Consumer<? super A> out) {
    A other = ((FoldWindowLogic<V, A>) original).acc;
    if (acc == null) {
      acc = other;
    } else if (other != null) {
      acc = merger.apply(acc, other);
    }
  }

  @Override
  public void onClose(Consumer<? super A> out) {
    if (acc != null || emitNull) {
      out.accept(acc);
    }
  }

  @Override
  public A snapshot() {
    return acc;
  }
}
