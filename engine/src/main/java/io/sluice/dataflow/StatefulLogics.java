package io.sluice.dataflow;

import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.BinaryOperator;
import java.util.function.Consumer;
import java.util.function.Supplier;

/** The {@link StatefulLogic}s behind the composed keyed operators. */
final class StatefulLogics {
  private StatefulLogics() {}

  /** statefulMap / statefulFlatMap: the user's state, kept while non-null. */
  static final class MapLogic<K, V, W, S> implements StatefulLogic<V, W, S>, ValueState<S> {
    private final K key;
    private final StatefulFlatMapper<S, ? super V, ? extends W> mapper;
    private S state;

    MapLogic(K key, S resume, StatefulFlatMapper<S, ? super V, ? extends W> mapper) {
      this.key = key;
      this.state = resume;
      this.mapper = mapper;
    }

    @Override
    public Retention onBatch(List<V> values, Consumer<? super W> out) {
      for (V v : values) {
        try {
          for (W w : mapper.apply(this, v)) {
            out.accept(w);
          }
        } catch (RuntimeException | Error e) {
          throw new ItemFailedException(KV.of(key, v), e);
        }
      }
      return state == null ? Retention.DISCARD : Retention.RETAIN;
    }

    @Override
    public S snapshot() {
      return state;
    }

    @Override
    public S get() {
      return state;
    }

    @Override
    public void set(S s) {
      state = s;
    }

    @Override
    public void clear() {
      state = null;
    }
  }

  /** foldFinal: an accumulator emitted at the end. */
  static final class FoldLogic<K, V, A> implements StatefulLogic<V, A, A> {
    private final K key;
    private final BiFunction<? super A, ? super V, ? extends A> folder;
    private A acc;

    FoldLogic(K key, A resume, Supplier<? extends A> initial, BiFunction<? super A, ? super V, ? extends A> folder) {
      this.key = key;
      this.folder = folder;
      this.acc = resume != null ? resume : initial.get();
    }

    @Override
    public Retention onBatch(List<V> values, Consumer<? super A> out) {
      for (V v : values) {
        try {
          acc = folder.apply(acc, v);
        } catch (RuntimeException | Error e) {
          throw new ItemFailedException(KV.of(key, v), e);
        }
      }
      return Retention.RETAIN;
    }

    @Override
    public Retention onEof(Consumer<? super A> out) {
      out.accept(acc);
      return Retention.DISCARD;
    }

    @Override
    public A snapshot() {
      return acc;
    }
  }

  /** reduceFinal: the running reduction, emitted at the end. */
  static final class ReduceLogic<K, V> implements StatefulLogic<V, V, V> {
    private final K key;
    private final BinaryOperator<V> reducer;
    private V acc;

    ReduceLogic(K key, V resume, BinaryOperator<V> reducer) {
      this.key = key;
      this.acc = resume;
      this.reducer = reducer;
    }

    @Override
    public Retention onBatch(List<V> values, Consumer<? super V> out) {
      for (V v : values) {
        try {
          acc = acc == null ? v : reducer.apply(acc, v);
        } catch (RuntimeException | Error e) {
          throw new ItemFailedException(KV.of(key, v), e);
        }
      }
      return Retention.RETAIN;
    }

    @Override
    public Retention onEof(Consumer<? super V> out) {
      if (acc != null) {
        out.accept(acc);
      }
      return Retention.DISCARD;
    }

    @Override
    public V snapshot() {
      return acc;
    }
  }

  /**
   * collect: lists bounded by size and by time since their latest value (Bytewax) or, with
   * {@code sinceFirst}, since their first.
   */
  static final class CollectLogic<V> implements StatefulLogic<V, List<V>, CollectState<V>> {
    private final int maxSize;
    private final Duration timeout;
    private final boolean sinceFirst;
    private List<V> buffer;
    private Instant deadline;

    CollectLogic(CollectState<V> resume, int maxSize, Duration timeout, boolean sinceFirst) {
      this.maxSize = maxSize;
      this.timeout = timeout;
      this.sinceFirst = sinceFirst;
      this.buffer = resume == null ? new ArrayList<>() : new ArrayList<>(resume.buffer());
      // the deadline it had: a resumed run fires it where the uninterrupted run would have
      this.deadline = buffer.isEmpty() ? null : resume.deadline();
    }

    /** The one place collect reads time: the run's time source. */
    private static Instant now() {
      return io.sluice.time.RunClock.now();
    }

    @Override
    public Retention onBatch(List<V> values, Consumer<? super List<V>> out) {
      Instant now = null;
      for (V v : values) {
        if (buffer.isEmpty() || !sinceFirst) {
          deadline = (now == null ? now = now() : now).plus(timeout);
        }
        buffer.add(v);
        if (buffer.size() >= maxSize) {
          out.accept(buffer);
          buffer = new ArrayList<>();
          deadline = null;
        }
      }
      return buffer.isEmpty() ? Retention.DISCARD : Retention.RETAIN;
    }

    @Override
    public Retention onNotify(Consumer<? super List<V>> out) {
      return flush(out);
    }

    @Override
    public Retention onEof(Consumer<? super List<V>> out) {
      return flush(out);
    }

    private Retention flush(Consumer<? super List<V>> out) {
      if (!buffer.isEmpty()) {
        out.accept(buffer);
        buffer = new ArrayList<>();
      }
      deadline = null;
      return Retention.DISCARD;
    }

    @Override
    public Instant notifyAt() {
      return deadline;
    }

    @Override
    public CollectState<V> snapshot() {
      return new CollectState<>(new ArrayList<>(buffer), deadline);
    }
  }

  /** A join input tagged with its side (0 = left, 1 = right). */
  record Side(int side, Object value) implements Serializable {}

  /** join: the latest value of each side. */
  static final class JoinLogic<L, R> implements StatefulLogic<Side, Joined<L, R>, Joined<L, R>> {
    private final JoinMode mode;
    private L left;
    private R right;
    private boolean hasLeft;
    private boolean hasRight;

    JoinLogic(Joined<L, R> resume, JoinMode mode) {
      this.mode = mode;
      if (resume != null) {
        left = resume.left();
        right = resume.right();
        hasLeft = left != null;
        hasRight = right != null;
      }
    }

    @Override
    @SuppressWarnings("unchecked")
    public Retention onBatch(List<Side> values, Consumer<? super Joined<L, R>> out) {
      for (Side s : values) {
        if (s.side() == 0) {
          left = (L) s.value();
          hasLeft = true;
        } else {
          right = (R) s.value();
          hasRight = true;
        }
        if (mode == JoinMode.RUNNING) {
          out.accept(new Joined<>(left, right));
        } else if (mode == JoinMode.COMPLETE && hasLeft && hasRight) {
          out.accept(new Joined<>(left, right));
          left = null;
          right = null;
          hasLeft = false;
          hasRight = false;
        }
      }
      return mode == JoinMode.COMPLETE && !hasLeft && !hasRight ? Retention.DISCARD : Retention.RETAIN;
    }

    @Override
    public Retention onEof(Consumer<? super Joined<L, R>> out) {
      if (mode == JoinMode.FINAL) {
        out.accept(new Joined<>(left, right));
      }
      return Retention.DISCARD;
    }

    @Override
    public Joined<L, R> snapshot() {
      return new Joined<>(left, right);
    }
  }

  /** The snapshot of an n-sided join ({@link JoinRows}): the values kept of each side. */
  record JoinState(List<List<Object>> seen) implements Serializable {}

  /** join with insert modes and any number of sides: rows of one value (or null) per side. */
  static final class MultiJoinLogic implements StatefulLogic<Side, List<Object>, JoinState> {
    private final JoinInsertMode insert;
    private final JoinMode emit;
    private final JoinRows rows;

    MultiJoinLogic(int sides, JoinState resume, JoinInsertMode insert, JoinMode emit) {
      this.insert = insert;
      this.emit = emit;
      this.rows = resume == null ? new JoinRows(sides) : new JoinRows(resume);
    }

    @Override
    public Retention onBatch(List<Side> values, Consumer<? super List<Object>> out) {
      for (Side s : values) {
        rows.insert(insert, s.side(), s.value());
        rows.emitAfterChange(emit, out);
      }
      return emit == JoinMode.COMPLETE && rows.isEmpty() ? Retention.DISCARD : Retention.RETAIN;
    }

    @Override
    public Retention onEof(Consumer<? super List<Object>> out) {
      if (emit == JoinMode.FINAL) {
        rows.rows().forEach(out);
      }
      return Retention.DISCARD;
    }

    @Override
    public JoinState snapshot() {
      return rows.snapshot();
    }
  }

  /** joinWindow: the join of one window; FINAL emits when the window closes. */
  static final class JoinWindowLogic implements io.sluice.windowing.WindowLogic<Side, List<Object>, JoinState> {
    private final JoinInsertMode insert;
    private final JoinMode emit;
    private final JoinRows rows;

    JoinWindowLogic(int sides, JoinState resume, JoinInsertMode insert, JoinMode emit) {
      this.insert = insert;
      this.emit = emit;
      this.rows = resume == null ? new JoinRows(sides) : new JoinRows(resume);
    }

    @Override
    public void onValue(Side value, Consumer<? super List<Object>> out) {
      rows.insert(insert, value.side(), value.value());
      rows.emitAfterChange(emit, out);
    }

    @Override
    public void onMerge(io.sluice.windowing.WindowLogic<Side, List<Object>, JoinState> original,
        Consumer<? super List<Object>> out) {
      rows.merge(insert, ((JoinWindowLogic) original).rows);
      rows.emitAfterChange(emit, out);
    }

    @Override
    public void onClose(Consumer<? super List<Object>> out) {
      if (emit == JoinMode.FINAL) {
        rows.rows().forEach(out);
      }
    }

    @Override
    public JoinState snapshot() {
      return rows.snapshot();
    }
  }
}
