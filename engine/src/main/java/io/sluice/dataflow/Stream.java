package io.sluice.dataflow;

import io.sluice.inputs.Routing;
import io.sluice.outputs.Sink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A typed stream of items in a {@link Dataflow}: one output of one step. Every method adds steps
 * to the same dataflow and returns the stream they produce; a stream may be read by any number of
 * steps. Items stay on the worker that produced them except at {@link #redistribute} and keyed
 * stateful steps, which exchange them between workers.
 *
 * <p>Per-item operators ({@link #map}, {@link #filter}, ...) are built on {@link #flatMapBatch};
 * when user code throws, the run fails with the step id, the worker and the item.
 *
 * <p><b>Items are shared, not copied.</b> An emitted item goes by reference to the next steps and
 * sinks of the same process, also on other worker threads (after an exchange), and as a copy to
 * other processes. So user code must never change an item after emitting it, nor an item it
 * received: emit a new object or a copy (e.g. {@code List.copyOf(state)} rather than the state
 * list itself). Otherwise what later steps see depends on timing and on the worker and process
 * count (the pitfall of Flink's object-reuse mode). The testkit's runs fail when an item changes
 * after it was emitted, naming the step.
 *
 * @param <T> the item type
 */
public class Stream<T> {
  private final Dataflow flow;
  private final Step step;
  private final int port;

  Stream(Dataflow flow, Step step, int port) {
    this.flow = flow;
    this.step = step;
    this.port = port;
  }

  /** The dataflow this stream belongs to. */
  public final Dataflow flow() {
    return flow;
  }

  /** The step that produces this stream. */
  public final Step step() {
    return step;
  }

  /** Which output of {@link #step()} this stream is (0 except for branch's second output). */
  public final int port() {
    return port;
  }

  // ---------------------------------------------------------------- kernel primitives

  /**
   * Transforms each batch into any number of items; the mapper is shared by all workers. What the
   * mapper returns is copied, so it may return the same list every time.
   */
  public <U> Stream<U> flatMapBatch(String id, BatchMapper<T, ? extends U> mapper) {
    Objects.requireNonNull(mapper, "mapper");
    return flatMapBatchPerWorker(id, () -> mapper);
  }

  /**
   * Like {@link #flatMapBatch}, with one mapper per worker built by {@code mapperPerWorker}: the
   * mapper may keep non-thread-safe state (a cache, an output buffer it refills for every batch)
   * that lives as long as the run.
   */
  public <U> Stream<U> flatMapBatchPerWorker(String id, Supplier<? extends BatchMapper<T, ? extends U>> mapperPerWorker) {
    Objects.requireNonNull(mapperPerWorker, "mapperPerWorker");
    return new Stream<>(flow, flow.add(new Step.FlatMapBatch(id, this, mapperPerWorker, false)), 0);
  }

  /** {@link #flatMapBatch} for Sluice's own operators, whose mappers return a new list for every batch. */
  <U> Stream<U> freshFlatMapBatch(String id, BatchMapper<T, ? extends U> mapper) {
    Objects.requireNonNull(mapper, "mapper");
    return freshFlatMapBatchPerWorker(id, () -> mapper);
  }

  /** {@link #flatMapBatchPerWorker} for Sluice's own operators, whose mappers return a new list for every batch. */
  <U> Stream<U> freshFlatMapBatchPerWorker(String id, Supplier<? extends BatchMapper<T, ? extends U>> mapperPerWorker) {
    Objects.requireNonNull(mapperPerWorker, "mapperPerWorker");
    return new Stream<>(flow, flow.add(new Step.FlatMapBatch(id, this, mapperPerWorker, true)), 0);
  }

  /** Splits this stream in two by {@code predicate}, on the same worker. */
  public Branched<T> branch(String id, Predicate<? super T> predicate) {
    Objects.requireNonNull(predicate, "predicate");
    Step.Branch b = flow.add(new Step.Branch(id, this, predicate));
    return new Branched<>(new Stream<>(flow, b, 0), new Stream<>(flow, b, 1));
  }

  /** Merges this stream with {@code others} into one stream, on the same worker. */
  @SafeVarargs
  public final Stream<T> merge(String id, Stream<? extends T>... others) {
    List<Stream<?>> inputs = new ArrayList<>();
    inputs.add(this);
    inputs.addAll(List.of(others));
    return new Stream<>(flow, flow.add(new Step.Merge(id, inputs)), 0);
  }

  /** Shows each item, its worker and its epoch to {@code inspector}; items pass unchanged. */
  public Stream<T> inspect(String id, Inspector<? super T> inspector) {
    Objects.requireNonNull(inspector, "inspector");
    return new Stream<>(flow, flow.add(new Step.Inspect(id, this, inspector)), 0);
  }

  /** Shows each item to {@code inspector}; items pass unchanged. */
  public Stream<T> inspect(String id, Consumer<? super T> inspector) {
    Objects.requireNonNull(inspector, "inspector");
    return inspect(id, (T item, int worker, long epoch) -> inspector.accept(item));
  }

  /**
   * Spreads items evenly over all workers: each sending worker deals its items round-robin,
   * starting at a different worker. Not by key; use it after a source with fewer partitions than
   * workers so that later steps share the work.
   */
  public Stream<T> redistribute(String id) {
    return new Stream<>(flow, flow.add(new Step.Redistribute(id, this)), 0);
  }

  /** Writes every item to {@code sink}. */
  public void output(String id, Sink<? super T> sink) {
    Objects.requireNonNull(sink, () -> "step '" + id + "': sink must not be null");
    flow.add(new Step.Output(id, this, sink));
  }

  // ---------------------------------------------------------------- composed operators

  /** One output item per input item. */
  public <U> Stream<U> map(String id, Function<? super T, ? extends U> fn) {
    Objects.requireNonNull(fn, "fn");
    return freshFlatMapBatch(id, batch -> {
      List<U> out = new ArrayList<>(batch.size());
      for (T item : batch) {
        try {
          out.add(fn.apply(item));
        } catch (RuntimeException | Error e) {
          throw new ItemFailedException(item, e);
        }
      }
      return out;
    });
  }

  /** Any number of output items per input item. */
  public <U> Stream<U> flatMap(String id, Function<? super T, ? extends Iterable<? extends U>> fn) {
    Objects.requireNonNull(fn, "fn");
    return freshFlatMapBatch(id, batch -> {
      List<U> out = new ArrayList<>(batch.size());
      for (T item : batch) {
        try {
          for (U u : fn.apply(item)) {
            out.add(u);
          }
        } catch (RuntimeException | Error e) {
          throw new ItemFailedException(item, e);
        }
      }
      return out;
    });
  }

  /** Keeps the items {@code predicate} accepts. */
  public Stream<T> filter(String id, Predicate<? super T> predicate) {
    Objects.requireNonNull(predicate, "predicate");
    return freshFlatMapBatch(id, batch -> {
      List<T> out = new ArrayList<>(batch.size());
      for (T item : batch) {
        try {
          if (predicate.test(item)) {
            out.add(item);
          }
        } catch (RuntimeException | Error e) {
          throw new ItemFailedException(item, e);
        }
      }
      return out;
    });
  }

  /** Maps each item and keeps the present results (an empty {@link Optional} drops the item). */
  public <U> Stream<U> filterMap(String id, Function<? super T, Optional<? extends U>> fn) {
    Objects.requireNonNull(fn, "fn");
    return freshFlatMapBatch(id, batch -> {
      List<U> out = new ArrayList<>(batch.size());
      for (T item : batch) {
        try {
          fn.apply(item).ifPresent(out::add);
        } catch (RuntimeException | Error e) {
          throw new ItemFailedException(item, e);
        }
      }
      return out;
    });
  }

  // ---------------------------------------------------------------- error streams

  /** Marks an item the user code threw on, until {@code id + ".route"} splits it off. */
  private record Failure(StepError<?> error) {}

  /**
   * Like {@link #flatMap}, but an item {@code fn} throws on goes to {@link Tried#errors()} as a
   * {@link StepError} (item, step id, worker, exception) and the run goes on; items before and after
   * it in the batch are processed as usual. Fail-fast ({@link #flatMap}) stays the default; use this
   * where a bad item must not stop every process, and write the errors somewhere (e.g. a dead-letter
   * Kafka topic). Adds steps {@code id} (the mapping), {@code id + ".route"} (a branch) and
   * {@code id + ".errors"} (unwraps the errors); the errors stay on the worker they happened on.
   * {@link Error}s (out of memory...) still stop the run.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public <U> Tried<U, T> tryFlatMap(String id, Function<? super T, ? extends Iterable<? extends U>> fn) {
    Objects.requireNonNull(fn, "fn");
    Stream<Object> results = freshFlatMapBatch(id, batch -> {
      List<Object> out = new ArrayList<>(batch.size());
      for (T item : batch) {
        List<U> produced = new ArrayList<>(1);
        try {
          for (U u : fn.apply(item)) {
            produced.add(u);
          }
        } catch (RuntimeException e) {
          out.add(new Failure(new StepError<>(item, id, StepContext.worker(), e)));
          continue;
        }
        out.addAll(produced);
      }
      return out;
    });
    Branched<Object> routed = results.branch(id + ".route", r -> !(r instanceof Failure));
    Stream<StepError<T>> errors = routed.falses().freshFlatMapBatch(id + ".errors", batch -> {
      List<StepError<T>> out = new ArrayList<>(batch.size());
      for (Object f : batch) {
        out.add((StepError<T>) ((Failure) f).error());
      }
      return out;
    });
    return new Tried<>((Stream) routed.trues(), errors);
  }

  /** {@link #tryFlatMap} with one result per item: like {@link #map}, with the items {@code fn} throws on as errors. */
  public <U> Tried<U, T> tryMap(String id, Function<? super T, ? extends U> fn) {
    Objects.requireNonNull(fn, "fn");
    return tryFlatMap(id, item -> java.util.Collections.singletonList(fn.apply(item)));
  }

  /** Like {@link #filter}, with the items {@code predicate} throws on as errors (see {@link #tryFlatMap}). */
  public Tried<T, T> tryFilter(String id, Predicate<? super T> predicate) {
    Objects.requireNonNull(predicate, "predicate");
    return tryFlatMap(id, item -> predicate.test(item) ? List.of(item) : List.of());
  }

  /** Pairs each item with a key, making a {@link KeyedStream} for keyed steps. */
  public <K> KeyedStream<K, T> keyOn(String id, Function<? super T, ? extends K> keyFn) {
    Objects.requireNonNull(keyFn, "keyFn");
    Stream<KV<K, T>> keyed = map(id, item -> {
      K key = keyFn.apply(item);
      if (key == null) {
        throw new NullPointerException(NULL_KEY);
      }
      return KV.of(key, item);
    });
    return KeyedStream.of(keyed);
  }

  /**
   * Counts items per key over the whole input and emits each key's count at the end. Counts are
   * combined within each batch before the exchange (step {@code id + ".pre"}), then summed on the
   * worker that owns the key (step {@code id}).
   */
  public <K> KeyedStream<K, Long> countFinal(String id, Function<? super T, ? extends K> keyFn) {
    Objects.requireNonNull(keyFn, "keyFn");
    Stream<KV<K, Long>> pre = freshFlatMapBatch(id + ".pre", batch -> {
      // by routing identity (byte[] keys by content), keeping the first key object of each
      Map<Object, KeyCount<K>> counts = new LinkedHashMap<>();
      for (T item : batch) {
        Object keyId;
        K key;
        try {
          key = keyFn.apply(item);
        } catch (RuntimeException | Error e) {
          throw new ItemFailedException(item, e);
        }
        try {
          keyId = Routing.identity(Objects.requireNonNull(key, NULL_KEY));
        } catch (RuntimeException e) {
          throw new ItemFailedException(item, e); // no routing form: named with the step and item
        }
        KeyCount<K> c = counts.get(keyId);
        if (c == null) {
          counts.put(keyId, c = new KeyCount<>(key));
        }
        c.count++;
      }
      List<KV<K, Long>> out = new ArrayList<>(counts.size());
      counts.forEach((k, c) -> out.add(KV.of(c.key, c.count)));
      return out;
    });
    return KeyedStream.of(pre).reduceFinalAfterExchange(id, Long::sum);
  }

  /**
   * Maps each item with the help of a per-worker cache: {@code mapper} receives the cache and the
   * item; {@code cache.get(k)} calls {@code getter} on a miss or once the entry is older than
   * {@code ttl}. Use it to enrich items from a slow lookup (a service, a table).
   */
  public <K, R, U> Stream<U> enrichCached(String id, Function<? super K, ? extends R> getter,
      BiFunction<TtlCache<K, R>, ? super T, ? extends U> mapper, Duration ttl) {
    Objects.requireNonNull(getter, "getter");
    Objects.requireNonNull(mapper, "mapper");
    Objects.requireNonNull(ttl, "ttl");
    return freshFlatMapBatchPerWorker(id, () -> {
      TtlCache<K, R> cache = new MapTtlCache<>(getter, ttl);
      return batch -> {
        List<U> out = new ArrayList<>(batch.size());
        for (T item : batch) {
          try {
            out.add(mapper.apply(cache, item));
          } catch (RuntimeException | Error e) {
            throw new ItemFailedException(item, e);
          }
        }
        return out;
      };
    });
  }

  /** {@link #enrichCached(String, Function, BiFunction, Duration)} with entries that never expire. */
  public <K, R, U> Stream<U> enrichCached(String id, Function<? super K, ? extends R> getter,
      BiFunction<TtlCache<K, R>, ? super T, ? extends U> mapper) {
    return enrichCached(id, getter, mapper, MapTtlCache.FOREVER);
  }

  static final String NULL_KEY = "the key function returned null: return a non-null key (e.g. a placeholder"
      + " such as \"<none>\" for items without one), or filter those items out before this step";

  /** A key and its count within one batch (countFinal's pre-aggregation). */
  private static final class KeyCount<K> {
    final K key;
    long count;

    KeyCount(K key) {
      this.key = key;
    }
  }

  @Override
  public String toString() {
    return "Stream[" + step.id() + (port == 0 ? "" : "#" + port) + "]";
  }
}
