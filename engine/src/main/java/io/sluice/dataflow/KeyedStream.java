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
import java.util.function.BiFunction;
import java.util.function.BinaryOperator;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

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

  // ---------------------------------------------------------------- stateful operators

  /**
   * Maps each value to one output using its key's state; a key whose state is cleared (or never
   * set) is discarded after the call.
   */
  public <S, W> KeyedStream<K, W> statefulMap(String id, StatefulMapper<S, ? super V, ? extends W> mapper) {
    Objects.requireNonNull(mapper, "mapper");
    return statefulFlatMap(id, (ValueState<S> state, V v) -> Collections.singletonList(mapper.apply(state, v)));
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
        (K key, List<V> resume) -> new StatefulLogics.CollectLogic<V>(resume, maxSize, timeout, sinceFirst));
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
}
