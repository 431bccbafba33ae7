package io.sluice.dataflow;

import io.sluice.inputs.Routing;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.BinaryOperator;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import io.sluice.windowing.Clock;
import io.sluice.windowing.WindowLogicBuilder;
import io.sluice.windowing.WindowOut;
import io.sluice.windowing.Windowed;
import io.sluice.windowing.Windower;
import io.sluice.windowing.Windowing;

/**
 * A stream of {@link KV} pairs with keys of type {@code K}. Keyed stateful steps
 * ({@link #statefulBatch} and everything built on it) send each pair to the one worker that owns
 * its key, {@link io.sluice.inputs.Routing#workerFor(Object, int)}, so all of a key's values meet
 * there, in the order each upstream worker sent them.
 *
 * <p>The {@code *Final} operators emit when the input ends (finite flows) and keep one state per
 * key until then.
 */
public class KeyedStream<K, V> extends Stream<KV<K, V>> {

  KeyedStream(Dataflow flow, Step step, int port) {
    super(flow, step, port);
  }

  /**
   * Views a stream of {@link KV}s as a keyed stream, e.g. the output of a {@code map} that builds
   * pairs or of a source of pairs. Adds no step.
   */
  public static <K, V> KeyedStream<K, V> of(Stream<KV<K, V>> stream) {
    return new KeyedStream<>(stream.flow(), stream.step(), stream.port());
  }

  // ---------------------------------------------------------------- kernel primitive

  /**
   * The keyed stateful primitive: routes each pair to its key's worker and runs one
   * {@link StatefulLogic} per key, built by {@code builder} on the key's first value (or again
   * after the logic asked to be discarded). Outputs keep the key.
   */
  public <W, S> KeyedStream<K, W> statefulBatch(String id, StatefulLogicBuilder<K, V, W, S> builder) {
    Objects.requireNonNull(builder, "builder");
    return new KeyedStream<>(flow(), flow().add(new Step.StatefulBatch(id, this, builder)), 0);
  }

  // ---------------------------------------------------------------- keyed overrides keep the key type

  @Override
  public KeyedStream<K, V> redistribute(String id) {
    return of(super.redistribute(id));
  }

  @Override
  public KeyedStream<K, V> inspect(String id, Inspector<? super KV<K, V>> inspector) {
    return of(super.inspect(id, inspector));
  }

  @Override
  public KeyedStream<K, V> inspect(String id, Consumer<? super KV<K, V>> inspector) {
    return of(super.inspect(id, inspector));
  }

  @Override
  public KeyedStream<K, V> filter(String id, Predicate<? super KV<K, V>> predicate) {
    return of(super.filter(id, predicate));
  }

  // ---------------------------------------------------------------- stateless value operators

  /** Drops the keys. */
  public Stream<V> keyRm(String id) {
    return map(id, KV::value);
  }

  /** Maps each value, keeping its key. */
  public <W> KeyedStream<K, W> mapValue(String id, Function<? super V, ? extends W> fn) {
    Objects.requireNonNull(fn, "fn");
    return of(map(id, kv -> KV.of(kv.key(), fn.apply(kv.value()))));
  }

  /** Maps each value to any number of values, each with the same key. */
  public <W> KeyedStream<K, W> flatMapValue(String id, Function<? super V, ? extends Iterable<? extends W>> fn) {
    Objects.requireNonNull(fn, "fn");
    return of(flatMap(id, kv -> {
      List<KV<K, W>> out = new ArrayList<>();
      for (W w : fn.apply(kv.value())) {
        out.add(KV.of(kv.key(), w));
      }
      return out;
    }));
  }

  /** Keeps the pairs whose value {@code predicate} accepts. */
  public KeyedStream<K, V> filterValue(String id, Predicate<? super V> predicate) {
    Objects.requireNonNull(predicate, "predicate");
    return filter(id, kv -> predicate.test(kv.value()));
  }

  /**
   * Maps each value and keeps the present results with their keys (Bytewax's
   * {@code filter_map_value}); an empty {@link Optional} drops the pair.
   */
  public <W> KeyedStream<K, W> filterMapValue(String id, Function<? super V, Optional<? extends W>> fn) {
    Objects.requireNonNull(fn, "fn");
    return of(filterMap(id, kv -> {
      Optional<? extends W> w = fn.apply(kv.value());
      return w.isPresent() ? Optional.of(KV.of(kv.key(), (W) w.get())) : Optional.empty();
    }));
  }

  // ---------------------------------------------------------------- stateful operators

  /**
   * Maps each value to one output using its key's state; a key whose state is cleared (or never
   * set) is discarded after the call.
   */
  public <S, W> KeyedStream<K, W> statefulMap(String id, StatefulMapper<S, ? super V, ? extends W> mapper) {
    Objects.requireNonNull(mapper, "mapper");
    return statefulFlatMap(id, (ValueState<S> state, V v) -> Collections.singletonList(mapper.apply(state, v)));
  }

  /**
   * Maps each value to one output using its key's state, which starts at {@code initial}: the
   * form in which Java infers the state type from the initial value, so the mapper's parameters
   * need no types (with {@link #statefulMap(String, StatefulMapper)} and untyped lambda
   * parameters, Java takes the state for {@code Object}).
   *
   * <pre>{@code
   * keyed.statefulMap("running-count", () -> 0L, (count, word) -> {
   *   long n = count.get() + 1;
   *   count.set(n);
   *   return n;
   * });
   * }</pre>
   *
   * <p>For a key with no state (never set, or cleared), {@link ValueState#get()} returns a fresh
   * {@code initial.get()}; the state is kept only once the mapper {@link ValueState#set sets} it,
   * as with {@link #statefulMap(String, StatefulMapper)}, whose semantics (Bytewax's
   * {@code stateful_map}) this follows otherwise.
   *
   * @param <S> the state type, inferred from {@code initial}
   * @param <W> the output type
   * @param id the step's id
   * @param initial the state of a key that has none; must not return {@code null}
   * @param mapper maps a value and its key's state to the output
   * @return the outputs, keyed as the input
   */
  public <S, W> KeyedStream<K, W> statefulMap(String id, Supplier<? extends S> initial,
      StatefulMapper<S, ? super V, ? extends W> mapper) {
    Objects.requireNonNull(initial, "initial");
    Objects.requireNonNull(mapper, "mapper");
    return statefulMap(id, (ValueState<S> state, V v) -> mapper.apply(new InitialState<>(state, initial, id), v));
  }

  /**
   * {@link #statefulFlatMap(String, StatefulFlatMapper)} with state starting at {@code initial}, so
   * Java infers the state type from it; see {@link #statefulMap(String, Supplier, StatefulMapper)}.
   *
   * @param <S> the state type, inferred from {@code initial}
   * @param <W> the output type
   * @param id the step's id
   * @param initial the state of a key that has none; must not return {@code null}
   * @param mapper maps a value and its key's state to any number of outputs
   * @return the outputs, keyed as the input
   */
  public <S, W> KeyedStream<K, W> statefulFlatMap(String id, Supplier<? extends S> initial,
      StatefulFlatMapper<S, ? super V, ? extends W> mapper) {
    Objects.requireNonNull(initial, "initial");
    Objects.requireNonNull(mapper, "mapper");
    return statefulFlatMap(id, (ValueState<S> state, V v) -> mapper.apply(new InitialState<>(state, initial, id), v));
  }

  /** A key's state that reads as {@code initial.get()} while the key has none. */
  private record InitialState<S>(ValueState<S> state, Supplier<? extends S> initial, String stepId)
      implements ValueState<S> {
    @Override
    public S get() {
      S s = state.get();
      if (s != null) {
        return s;
      }
      S fresh = initial.get();
      if (fresh == null) {
        throw new NullPointerException("step '" + stepId + "': the initial state supplier returned null");
      }
      return fresh;
    }

    @Override
    public void set(S value) {
      state.set(value);
    }

    @Override
    public void clear() {
      state.clear();
    }
  }

  /** Maps each value to any number of outputs using its key's state. */
  public <S, W> KeyedStream<K, W> statefulFlatMap(String id,
      StatefulFlatMapper<S, ? super V, ? extends W> mapper) {
    Objects.requireNonNull(mapper, "mapper");
    return statefulBatch(id, (K key, S resume) -> new StatefulLogics.MapLogic<K, V, W, S>(key, resume, mapper));
  }

  /**
   * Folds each key's values into an accumulator, starting from {@code initial}, and emits the
   * accumulator when the input ends.
   */
  public <A> KeyedStream<K, A> foldFinal(String id, Supplier<? extends A> initial,
      BiFunction<? super A, ? super V, ? extends A> folder) {
    Objects.requireNonNull(initial, "initial");
    Objects.requireNonNull(folder, "folder");
    return statefulBatch(id, (K key, A resume) -> new StatefulLogics.FoldLogic<K, V, A>(key, resume, initial, folder));
  }

  /**
   * Reduces each key's values with {@code reducer} and emits the result when the input ends.
   * Values are first combined within each batch on the sending worker (step {@code id + ".pre"}),
   * so only one value per key and batch crosses the exchange.
   */
  public KeyedStream<K, V> reduceFinal(String id, BinaryOperator<V> reducer) {
    Objects.requireNonNull(reducer, "reducer");
    Stream<KV<K, V>> pre = freshFlatMapBatch(id + ".pre", batch -> {
      // by routing identity (byte[] keys by content), keeping the first key object of each
      Map<Object, KV<K, V>> acc = new LinkedHashMap<>();
      for (KV<K, V> kv : batch) {
        try {
          Object keyId = Routing.identity(kv.key());
          KV<K, V> prev = acc.get(keyId);
          acc.put(keyId, prev == null ? kv : KV.of(prev.key(), reducer.apply(prev.value(), kv.value())));
        } catch (RuntimeException | Error e) {
          throw new ItemFailedException(kv, e);
        }
      }
      return new ArrayList<>(acc.values());
    });
    return of(pre).reduceFinalAfterExchange(id, reducer);
  }

  KeyedStream<K, V> reduceFinalAfterExchange(String id, BinaryOperator<V> reducer) {
    return statefulBatch(id, (K key, V resume) -> new StatefulLogics.ReduceLogic<K, V>(key, resume, reducer));
  }

  /** The largest value per key by {@code order}, emitted when the input ends. */
  public KeyedStream<K, V> maxFinal(String id, Comparator<? super V> order) {
    Objects.requireNonNull(order, "order");
    return reduceFinal(id, (a, b) -> order.compare(b, a) > 0 ? b : a);
  }

  /** The smallest value per key by {@code order}, emitted when the input ends. */
  public KeyedStream<K, V> minFinal(String id, Comparator<? super V> order) {
    Objects.requireNonNull(order, "order");
    return reduceFinal(id, (a, b) -> order.compare(b, a) < 0 ? b : a);
  }

  /**
   * Collects each key's values into lists, as Bytewax's {@code collect} does: a list is emitted
   * when it holds {@code maxSize} values, when {@code timeout} has passed since the key's
   * <em>latest</em> value arrived (every value restarts the timeout), or when the input ends. A key
   * that keeps receiving values more often than {@code timeout} is emitted only by size. Same as
   * {@code collect(id, maxSize, timeout, CollectTimeout.SINCE_LAST_VALUE)}.
   *
   * @param maxSize values per list, at least 1
   * @param timeout how long a key may go without a new value before its list is emitted
   * @throws FlowValidationException if {@code maxSize < 1} or {@code timeout} is negative
   */
  public KeyedStream<K, List<V>> collect(String id, int maxSize, Duration timeout) {
    return collect(id, maxSize, timeout, CollectTimeout.SINCE_LAST_VALUE);
  }

  /**
   * {@link #collect(String, int, Duration)} with the timeout counted as {@code from} says:
   * {@link CollectTimeout#SINCE_LAST_VALUE} (Bytewax's) or {@link CollectTimeout#SINCE_FIRST_VALUE}
   * (a list is at most {@code timeout} old when emitted, like a Kafka producer's {@code linger.ms}).
   * Time is the run's clock, read when a value arrives.
   */
  public KeyedStream<K, List<V>> collect(String id, int maxSize, Duration timeout, CollectTimeout from) {
    if (maxSize < 1) {
      throw new FlowValidationException("step '" + id + "': collect needs maxSize >= 1, got " + maxSize);
    }
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(from, "from");
    if (timeout.isNegative()) {
      throw new FlowValidationException("step '" + id + "': collect needs a timeout >= 0, got " + timeout);
    }
    boolean sinceFirst = from == CollectTimeout.SINCE_FIRST_VALUE;
    return statefulBatch(id,
        (K key, CollectState<V> resume) -> new StatefulLogics.CollectLogic<V>(resume, maxSize, timeout,
            sinceFirst));
  }

  /**
   * Joins this stream with {@code other} by key. Each side keeps its latest value per key;
   * {@code mode} says when a {@link Joined} pair is emitted. The sides are tagged on their own
   * workers (steps {@code id + ".left"}, {@code id + ".right"}), merged ({@code id + ".merge"}),
   * then joined on the key's worker (step {@code id}).
   */
  public <R> KeyedStream<K, Joined<V, R>> join(String id, KeyedStream<K, R> other, JoinMode mode) {
    Objects.requireNonNull(other, "other");
    Objects.requireNonNull(mode, "mode");
    if (other.flow() != flow()) {
      throw new FlowValidationException("step '" + id + "' in dataflow '" + flow().name() + "' joins a stream of dataflow '"
          + other.flow().name() + "' (from step '" + other.step().id() + "'); streams cannot cross dataflows");
    }
    Stream<KV<K, StatefulLogics.Side>> left = map(id + ".left", kv -> KV.of(kv.key(), new StatefulLogics.Side(0, kv.value())));
    Stream<KV<K, StatefulLogics.Side>> right = other.map(id + ".right", kv -> KV.of(kv.key(), new StatefulLogics.Side(1, kv.value())));
    KeyedStream<K, StatefulLogics.Side> both = of(left.merge(id + ".merge", right));
    return both.statefulBatch(id, (K key, Joined<V, R> resume) -> new StatefulLogics.JoinLogic<V, R>(resume, mode));
  }

  /**
   * Joins this stream with {@code other} by key, Bytewax's {@code join} with an insert mode: each
   * side keeps its first, latest or every value per key ({@code insert}), and {@code emit} says when
   * rows are emitted; with {@link JoinInsertMode#PRODUCT} one {@link Joined} per combination. Steps
   * as in {@link #join(String, List, JoinInsertMode, JoinMode)}, then {@code id + ".pair"}.
   */
  public <R> KeyedStream<K, Joined<V, R>> join(String id, KeyedStream<K, R> other, JoinInsertMode insert, JoinMode emit) {
    Objects.requireNonNull(other, "other");
    return join(id, List.of(other), insert, emit).mapValue(id + ".pair", row -> toJoined(row));
  }

  @SuppressWarnings("unchecked")
  private static <L, R> Joined<L, R> toJoined(List<Object> row) {
    return new Joined<>((L) row.get(0), (R) row.get(1));
  }

  /**
   * Joins this stream with any number of {@code others} by key (Bytewax's n-sided {@code join}):
   * each side keeps its first, latest or every value per key ({@code insert}); {@code emit} says
   * when rows are emitted: {@link JoinMode#COMPLETE} once every side has a value (then the key's
   * state is cleared), {@link JoinMode#RUNNING} on every value, {@link JoinMode#FINAL} at the end
   * of the input. A row is a list with one value per side, this stream's first then
   * {@code others} in order; a side with no value gives {@code null}. Each side is tagged on its
   * own workers (steps {@code id + ".side0"}, {@code id + ".side1"}, ...), merged
   * ({@code id + ".merge"}) and joined on the key's worker (step {@code id}).
   */
  public KeyedStream<K, List<Object>> join(String id, List<? extends KeyedStream<K, ?>> others, JoinInsertMode insert,
      JoinMode emit) {
    Objects.requireNonNull(insert, "insert");
    Objects.requireNonNull(emit, "emit");
    KeyedStream<K, StatefulLogics.Side> tagged = tagSides(id, others);
    int sides = others.size() + 1;
    return tagged.statefulBatch(id,
        (K key, StatefulLogics.JoinState resume) -> new StatefulLogics.MultiJoinLogic(sides, resume, insert, emit));
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private KeyedStream<K, StatefulLogics.Side> tagSides(String id, List<? extends KeyedStream<K, ?>> others) {
    Objects.requireNonNull(others, "others");
    if (others.isEmpty()) {
      throw new FlowValidationException("step '" + id + "': a join needs at least one other stream");
    }
    List<Stream<KV<K, StatefulLogics.Side>>> tagged = new ArrayList<>();
    List<KeyedStream<K, ?>> all = new ArrayList<>();
    all.add(this);
    all.addAll(others);
    for (int i = 0; i < all.size(); i++) {
      KeyedStream<K, ?> side = Objects.requireNonNull(all.get(i), "side " + i);
      if (side.flow() != flow()) {
        throw new FlowValidationException("step '" + id + "' in dataflow '" + flow().name() + "' joins a stream of dataflow '"
            + side.flow().name() + "' (from step '" + side.step().id() + "'); streams cannot cross dataflows");
      }
      int n = i;
      tagged.add(((KeyedStream<K, Object>) side).map(id + ".side" + i, kv -> KV.of(kv.key(), new StatefulLogics.Side(n, kv.value()))));
    }
    Stream<KV<K, StatefulLogics.Side>> first = tagged.get(0);
    Stream<KV<K, StatefulLogics.Side>>[] rest = tagged.subList(1, tagged.size()).toArray(new Stream[0]);
    return of(first.merge(id + ".merge", rest));
  }

  // ---------------------------------------------------------------- windows (io.sluice.windowing)

  /**
   * The general window operator (Bytewax's {@code window}): per key, {@code clock} gives each value
   * a timestamp and a watermark, {@code windower} assigns it to windows, and {@code builder} makes
   * the logic of each window; a window closes once the watermark passes its close time, and every
   * window closes at the end of the input. See {@link Windowing#window} for the steps it adds.
   *
   * @param ordered whether each window sees its values in timestamp order (values wait until the
   *                watermark reaches them) rather than in arrival order
   */
  public <W, S> WindowOut<K, V, W> window(String id, Clock<? super V> clock, Windower windower,
      WindowLogicBuilder<V, W, S> builder, boolean ordered) {
    return Windowing.window(this, id, clock, windower, builder, ordered);
  }

  /** {@link #window(String, Clock, Windower, WindowLogicBuilder, boolean)} in timestamp order. */
  public <W, S> WindowOut<K, V, W> window(String id, Clock<? super V> clock, Windower windower,
      WindowLogicBuilder<V, W, S> builder) {
    return window(id, clock, windower, builder, true);
  }

  /**
   * Folds each window's values in timestamp order, starting from {@code initial}, and emits the
   * accumulator when the window closes; {@code merger} combines accumulators of merged sessions.
   */
  public <A> WindowOut<K, V, A> foldWindow(String id, Clock<? super V> clock, Windower windower,
      Supplier<? extends A> initial, BiFunction<? super A, ? super V, ? extends A> folder, BinaryOperator<A> merger) {
    return Windowing.foldWindow(this, id, clock, windower, initial, folder, merger, true);
  }

  /** Collects each window's values into a list, in timestamp order, emitted when the window closes. */
  public WindowOut<K, V, List<V>> collectWindow(String id, Clock<? super V> clock, Windower windower) {
    return Windowing.collectWindow(this, id, clock, windower, true);
  }

  /** Reduces each window's values (in arrival order) and emits the result when the window closes. */
  public WindowOut<K, V, V> reduceWindow(String id, Clock<? super V> clock, Windower windower, BinaryOperator<V> reducer) {
    return Windowing.reduceWindow(this, id, clock, windower, reducer);
  }

  /** Counts each window's values and emits the count when the window closes. */
  public WindowOut<K, V, Long> countWindow(String id, Clock<? super V> clock, Windower windower) {
    return Windowing.countWindow(this, id, clock, windower);
  }

  /** The largest value of each window by {@code order}, emitted when the window closes. */
  public WindowOut<K, V, V> maxWindow(String id, Clock<? super V> clock, Windower windower, Comparator<? super V> order) {
    return Windowing.maxWindow(this, id, clock, windower, order);
  }

  /** The smallest value of each window by {@code order}, emitted when the window closes. */
  public WindowOut<K, V, V> minWindow(String id, Clock<? super V> clock, Windower windower, Comparator<? super V> order) {
    return Windowing.minWindow(this, id, clock, windower, order);
  }

  /**
   * Joins this stream with {@code other} within each window (Bytewax's {@code join_window}):
   * {@code clock} reads the values of both sides; {@code insert} and {@code emit} as in
   * {@link #join(String, List, JoinInsertMode, JoinMode)}, with {@link JoinMode#FINAL} emitting
   * when the window closes. The late stream carries the late values of either side.
   */
  public <R> WindowOut<K, Object, Joined<V, R>> joinWindow(String id, Clock<Object> clock, Windower windower,
      KeyedStream<K, R> other, JoinInsertMode insert, JoinMode emit) {
    Objects.requireNonNull(other, "other");
    WindowOut<K, Object, List<Object>> rows = joinWindow(id, clock, windower, List.of(other), insert, emit);
    return new WindowOut<>(rows.down().mapValue(id + ".pair", w -> new Windowed<>(w.windowId(), toJoined(w.value()))),
        rows.late(), rows.meta());
  }

  /**
   * Joins this stream with any number of {@code others} within each window: rows are lists with
   * one value per side (this stream's first), {@code null} for a side without a value. Steps: the
   * sides' tags and merge as in {@link #join(String, List, JoinInsertMode, JoinMode)}, the window
   * step {@code id} with its {@code .down}, {@code .late}, {@code .meta}, and {@code id + ".untag"}
   * for the late values.
   */
  public WindowOut<K, Object, List<Object>> joinWindow(String id, Clock<Object> clock, Windower windower,
      List<? extends KeyedStream<K, ?>> others, JoinInsertMode insert, JoinMode emit) {
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(insert, "insert");
    Objects.requireNonNull(emit, "emit");
    KeyedStream<K, StatefulLogics.Side> tagged = tagSides(id, others);
    int sides = others.size() + 1;
    WindowOut<K, StatefulLogics.Side, List<Object>> out = Windowing.window(tagged, id,
        clock.adapt(StatefulLogics.Side::value), windower,
        (StatefulLogics.JoinState resume) -> new StatefulLogics.JoinWindowLogic(sides, resume, insert, emit), true);
    KeyedStream<K, Windowed<Object>> late = out.late().mapValue(id + ".untag",
        w -> new Windowed<>(w.windowId(), w.value().value()));
    return new WindowOut<>(out.down(), late, out.meta());
  }
}
