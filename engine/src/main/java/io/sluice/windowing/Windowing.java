package io.sluice.windowing;

import io.sluice.dataflow.KeyedStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.BinaryOperator;
import java.util.function.Supplier;

/**
 * The window operators (Bytewax's {@code bytewax.operators.windowing}); {@link KeyedStream}'s
 * {@code *Window} methods call these. Each adds a keyed stateful step {@code id} (one clock and
 * one windower per key, snapshotted like any keyed state) and three steps that split its output:
 * {@code id + ".down"}, {@code id + ".late"}, {@code id + ".meta"}.
 */
public final class Windowing {
  private Windowing() {}

  /**
   * The general window operator: {@code builder} makes the logic of each window of each key.
   *
   * @param ordered whether each window sees its values in timestamp order (values wait until the
   *                watermark reaches them) rather than in arrival order
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static <K, V, W, S> WindowOut<K, V, W> window(KeyedStream<K, V> up, String id, Clock<? super V> clock,
      Windower windower, WindowLogicBuilder<V, W, S> builder, boolean ordered) {
    Objects.requireNonNull(clock, () -> "step '" + id + "': clock must not be null");
    Objects.requireNonNull(windower, () -> "step '" + id + "': windower must not be null");
    Objects.requireNonNull(builder, () -> "step '" + id + "': builder must not be null");
    KeyedStream<K, WindowEvent> events = up.statefulBatch(id,
        (K key, WindowSnapshot resume) -> new WindowStepLogic<K, V, W, S>(key, clock, windower, builder, ordered, resume));
    KeyedStream<K, Windowed<W>> down = events.filterMapValue(id + ".down", e -> e.kind() == WindowEvent.EMIT
        ? Optional.of(new Windowed<>(e.windowId(), (W) e.value())) : Optional.empty());
    KeyedStream<K, Windowed<V>> late = events.filterMapValue(id + ".late", e -> e.kind() == WindowEvent.LATE
        ? Optional.of(new Windowed<>(e.windowId(), (V) e.value())) : Optional.empty());
    KeyedStream<K, Windowed<WindowMetadata>> meta = events.filterMapValue(id + ".meta", e -> e.kind() == WindowEvent.META
        ? Optional.of(new Windowed<>(e.windowId(), (WindowMetadata) e.value())) : Optional.empty());
    return new WindowOut<>(down, late, meta);
  }

  /**
   * Folds each window's values, starting from {@code initial}; emits the accumulator when the
   * window closes. {@code merger} combines two accumulators when session windows merge.
   */
  public static <K, V, A> WindowOut<K, V, A> foldWindow(KeyedStream<K, V> up, String id, Clock<? super V> clock,
      Windower windower, Supplier<? extends A> initial, BiFunction<? super A, ? super V, ? extends A> folder,
      BinaryOperator<A> merger, boolean ordered) {
    Objects.requireNonNull(initial, "initial");
    Objects.requireNonNull(folder, "folder");
    Objects.requireNonNull(merger, "merger");
    return window(up, id, clock, windower,
        (A resume) -> new FoldWindowLogic<V, A>(resume != null ? resume : initial.get(), folder, merger, true), ordered);
  }

  /** Collects each window's values into a list (timestamp order if ordered), emitted when it closes. */
  public static <K, V> WindowOut<K, V, List<V>> collectWindow(KeyedStream<K, V> up, String id, Clock<? super V> clock,
      Windower windower, boolean ordered) {
    return foldWindow(up, id, clock, windower, ArrayList::new, (List<V> list, V v) -> {
      list.add(v);
      return list;
    }, (a, b) -> {
      List<V> all = new ArrayList<>(a);
      all.addAll(b);
      return all;
    }, ordered);
  }

  /** Reduces each window's values with {@code reducer} (arrival order); emits the result when it closes. */
  public static <K, V> WindowOut<K, V, V> reduceWindow(KeyedStream<K, V> up, String id, Clock<? super V> clock,
      Windower windower, BinaryOperator<V> reducer) {
    Objects.requireNonNull(reducer, "reducer");
    return window(up, id, clock, windower, (V resume) -> new FoldWindowLogic<V, V>(resume,
        (V acc, V v) -> acc == null ? v : reducer.apply(acc, v), reducer, false), false);
  }

  /** Counts each window's values; emits the count when it closes. */
  public static <K, V> WindowOut<K, V, Long> countWindow(KeyedStream<K, V> up, String id, Clock<? super V> clock,
      Windower windower) {
    return foldWindow(up, id, clock, windower, () -> 0L, (Long n, V v) -> n + 1, Long::sum, false);
  }

  /** The largest value of each window by {@code order} (the first of equals); emitted when it closes. */
  public static <K, V> WindowOut<K, V, V> maxWindow(KeyedStream<K, V> up, String id, Clock<? super V> clock,
      Windower windower, Comparator<? super V> order) {
    Objects.requireNonNull(order, "order");
    return reduceWindow(up, id, clock, windower, (a, b) -> order.compare(b, a) > 0 ? b : a);
  }

  /** The smallest value of each window by {@code order} (the first of equals); emitted when it closes. */
  public static <K, V> WindowOut<K, V, V> minWindow(KeyedStream<K, V> up, String id, Clock<? super V> clock,
      Windower windower, Comparator<? super V> order) {
    Objects.requireNonNull(order, "order");
    return reduceWindow(up, id, clock, windower, (a, b) -> order.compare(b, a) < 0 ? b : a);
  }
}
