package io.sluice.windowing;

import io.sluice.dataflow.ItemFailedException;
import io.sluice.dataflow.KV;
import io.sluice.dataflow.Retention;
import io.sluice.dataflow.StatefulLogic;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The per-key logic of a window step (Bytewax's {@code _WindowLogic}): asks the clock for each
 * item's timestamp and the watermark, sends late items to the late stream, gives on-time items to
 * the windows the windower assigns (in timestamp order once the watermark reaches them, if
 * ordered), applies merges, and closes the windows the watermark has passed.
 *
 * <p>Unlike Bytewax, a key is dropped only when its clock holds nothing lateness needs
 * ({@link ClockLogic#isEmpty()}) as well as no window or queued item: an event-time key keeps its
 * watermark after its windows close, so a later item cannot reopen an emitted window.
 */
final class WindowStepLogic<K, V, W, S> implements StatefulLogic<V, WindowEvent, WindowSnapshot>,
    io.sluice.dataflow.Watermarked {
  private final K key;
  private final ClockLogic<? super V> clock;
  private final WindowerLogic windower;
  private final WindowLogicBuilder<V, W, S> builder;
  private final boolean ordered;
  private final Map<Long, WindowLogic<V, W, S>> logics = new HashMap<>();
  private List<WindowSnapshot.Queued> queue = new ArrayList<>();
  private Instant lastWatermark = Instant.MIN;

  @SuppressWarnings("unchecked")
  WindowStepLogic(K key, Clock<? super V> clock, Windower windower, WindowLogicBuilder<V, W, S> builder,
      boolean ordered, WindowSnapshot resume) {
    this.key = key;
    this.builder = builder;
    this.ordered = ordered;
    if (resume == null) {
      this.clock = clock.build(null);
      this.windower = windower.build(null);
    } else {
      this.clock = clock.build(resume.clockState());
      this.windower = windower.build(resume.windowerState());
      for (Windowed<Object> w : resume.windows()) {
        logics.put(w.windowId(), builder.build((S) w.value()));
      }
      queue.addAll(resume.queue());
    }
  }

  private void advance(Instant watermark) {
    if (watermark.isAfter(lastWatermark)) {
      lastWatermark = watermark;
    }
  }

  @Override
  @SuppressWarnings("unchecked")
  public Retention onBatch(List<V> values, Consumer<? super WindowEvent> out) {
    clock.beforeBatch();
    for (V v : values) {
      Instant ts;
      try {
        ts = clock.onItem(v);
      } catch (RuntimeException | Error e) {
        throw new ItemFailedException(KV.of(key, v), e);
      }
      advance(clock.watermark());
      if (ts.isBefore(lastWatermark)) {
        for (long id : windower.lateFor(ts)) {
          out.accept(new WindowEvent(WindowEvent.LATE, id, v));
        }
      } else if (ordered) {
        queue.add(new WindowSnapshot.Queued(v, ts));
      } else {
        insert(v, ts, out); // the same windows, in the same order, as queueing until the flush
      }
    }
    flush(lastWatermark, out);
    return retention();
  }

  @Override
  public Retention onNotify(Consumer<? super WindowEvent> out) {
    advance(clock.onNotify());
    flush(lastWatermark, out);
    return retention();
  }

  @Override
  public Retention onEof(Consumer<? super WindowEvent> out) {
    flush(clock.onEof(), out);
    return retention();
  }

  private Retention retention() {
    return logics.isEmpty() && queue.isEmpty() && windower.isEmpty() && clock.isEmpty()
        ? Retention.DISCARD : Retention.RETAIN;
  }

  @SuppressWarnings("unchecked")
  private void flush(Instant watermark, Consumer<? super WindowEvent> out) {
    List<WindowSnapshot.Queued> due;
    if (queue.isEmpty()) {
      due = List.of();
    } else if (ordered) {
      due = new ArrayList<>();
      List<WindowSnapshot.Queued> rest = new ArrayList<>();
      for (WindowSnapshot.Queued q : queue) {
        (q.timestamp().isAfter(watermark) ? rest : due).add(q);
      }
      due.sort((a, b) -> a.timestamp().compareTo(b.timestamp())); // stable: arrival order among equals
      queue = rest;
    } else {
      due = queue;
      queue = new ArrayList<>();
    }
    for (WindowSnapshot.Queued q : due) {
      insert((V) q.value(), q.timestamp(), out);
    }
    for (WindowerLogic.Merge m : windower.merged()) {
      if (m.original() != m.target()) {
        WindowLogic<V, W, S> original = logics.remove(m.original());
        WindowLogic<V, W, S> into = logics.get(m.target());
        if (original != null && into != null) {
          long target = m.target();
          into.onMerge(original, w -> out.accept(new WindowEvent(WindowEvent.EMIT, target, w)));
        } else if (original != null) {
          logics.put(m.target(), original);
        }
      }
    }
    for (Windowed<WindowMetadata> closed : windower.closeFor(watermark)) {
      long id = closed.windowId();
      WindowLogic<V, W, S> logic = logics.remove(id);
      if (logic != null) {
        logic.onClose(w -> out.accept(new WindowEvent(WindowEvent.EMIT, id, w)));
      }
      out.accept(new WindowEvent(WindowEvent.META, id, closed.value()));
    }
  }

  /** Gives an on-time value to each window it belongs to. */
  private void insert(V value, Instant timestamp, Consumer<? super WindowEvent> out) {
    emitter.out = out;
    for (long id : windower.openFor(timestamp)) {
      WindowLogic<V, W, S> logic = logics.get(id);
      try {
        if (logic == null) {
          logic = builder.build(null);
          logics.put(id, logic);
        }
        emitter.windowId = id;
        logic.onValue(value, emitter);
      } catch (RuntimeException | Error e) {
        throw new ItemFailedException(KV.of(key, value), e);
      }
    }
  }

  /** Tags what a window logic emits with its window id (one reused instance: no allocation per value). */
  private static final class Emitter implements Consumer<Object> {
    Consumer<? super WindowEvent> out;
    long windowId;

    @Override
    public void accept(Object w) {
      out.accept(new WindowEvent(WindowEvent.EMIT, windowId, w));
    }
  }

  private final Emitter emitter = new Emitter();

  @Override
  public Instant notifyAt() {
    Instant at = windower.notifyAt();
    if (ordered) {
      for (WindowSnapshot.Queued q : queue) {
        if (at == null || q.timestamp().isBefore(at)) {
          at = q.timestamp();
        }
      }
    }
    return at == null ? null : clock.toSystem(at);
  }

  /** The key's watermark as of its last batch or timer ({@link Instant#MIN} before any). */
  @Override
  public Instant watermark() {
    return lastWatermark;
  }

  @Override
  public WindowSnapshot snapshot() {
    List<Windowed<Object>> windows = new ArrayList<>(logics.size());
    logics.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .forEach(e -> windows.add(new Windowed<>(e.getKey(), e.getValue().snapshot())));
    return new WindowSnapshot(clock.snapshot(), windower.snapshot(), windows, new ArrayList<>(queue));
  }
}
