package io.sluice.runtime;

import io.sluice.dataflow.KV;
import io.sluice.dataflow.Retention;
import io.sluice.dataflow.StatefulLogic;
import io.sluice.dataflow.StatefulLogicBuilder;
import io.sluice.inputs.Routing;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeSet;
import java.util.function.Consumer;
import io.sluice.run.StepFailedException;

/**
 * statefulBatch's receiving side: one {@link StatefulLogic} per key owned by this worker. Values of
 * a batch are grouped by key (keeping arrival order within a key) and handed over in one
 * {@code onBatch} call per key; timers from {@code notifyAt} fire on the run's clock (under virtual
 * time, once the step instance's time passed them, at the start of an epoch). With recovery it
 * remembers the keys that changed in the open epoch and, at its close, hands their snapshots (or
 * their deletion) to the worker.
 */
final class StatefulReceiver extends ExchangeReceiver {
  /** A key's pending notification; {@code seq} orders timers due at the same instant. */
  private record Timer(Instant at, long seq, Object key) {}

  private final StatefulLogicBuilder<Object, Object, Object, Object> builder;
  private final Map<Object, Slot> logics = new HashMap<>();
  /** Each key's one pending timer; {@link #timers} holds exactly these, ordered by time. */
  private final Map<Object, Timer> scheduled = new HashMap<>();
  private final TreeSet<Timer> timers =
      new TreeSet<>(Comparator.comparing(Timer::at).thenComparingLong(Timer::seq));
  private long timerSeq;
  private final Emitter emitter = new Emitter();
  private final Map<Object, List<Object>> groups = new HashMap<>();
  /**
   * With recovery: the slots of the keys whose logic changed (or was discarded) in the open epoch,
   * each once (its {@code dirty} flag says it is here: no hash lookup per change); else null.
   */
  private final List<Slot> changed;

  /** A key's logic, and whether it is in {@link #changed}; {@code logic} is null once discarded. */
  private static final class Slot {
    final Object key;
    StatefulLogic<Object, Object, Object> logic;
    boolean dirty;

    Slot(Object key, StatefulLogic<Object, Object, Object> logic) {
      this.key = key;
      this.logic = logic;
    }
  }
  private final List<Object> keyOrder = new ArrayList<>();

  /** Collects a logic's outputs as {@link KV}s of the current key. */
  private static final class Emitter implements Consumer<Object> {
    Object key;
    List<Object> out;

    @Override
    public void accept(Object value) {
      out.add(KV.of(key, value));
    }
  }

  StatefulReceiver(String stepId, Worker w, StepMetrics m, Queue<Object>[] channels,
      StatefulLogicBuilder<Object, Object, Object, Object> builder) {
    super(stepId, w, m, 1, channels);
    this.builder = builder;
    this.changed = w.snapshotting ? new ArrayList<>() : null;
  }

  /** Rebuilds the keys this worker owns from their snapshots (resume), their timers included. */
  void resume(Map<Object, Object> states) {
    for (Map.Entry<Object, Object> e : states.entrySet()) {
      Object key = e.getKey();
      StatefulLogic<Object, Object, Object> logic;
      try {
        logic = builder.build(key, e.getValue());
        if (logic == null) {
          throw new IllegalStateException("the logic builder returned null for key " + key);
        }
      } catch (RuntimeException | Error ex) {
        throw failureDuring("resuming key " + StepFailedException.describe(key) + " from its snapshot", ex);
      }
      Object id = Routing.identity(key); // stored by the user's key, held by its identity
      Slot slot = new Slot(id, logic);
      logics.put(id, slot);
      after(slot, Retention.RETAIN);
    }
    if (changed != null) {
      clearChanges(); // what was just read back needs no writing again
    }
  }

  /**
   * Hands {@code to} the snapshots of the keys that changed since the last call: key and state, or
   * key and {@link #DISCARDED} for a key whose logic was discarded. Clears the record of changes.
   */
  void takeChanges(java.util.function.BiConsumer<Object, Object> to) {
    for (int i = 0, n = changed.size(); i < n; i++) {
      Slot slot = changed.get(i);
      if (slot.logic == null) {
        if (!logics.containsKey(slot.key)) { // else built again since: its new slot follows in the list
          to.accept(Routing.keyOf(slot.key), DISCARDED);
        }
        continue;
      }
      Object state;
      try {
        state = slot.logic.snapshot();
      } catch (RuntimeException | Error e) {
        throw failureDuring("snapshotting key " + StepFailedException.describe(slot.key), e);
      }
      to.accept(Routing.keyOf(slot.key), state);
    }
    clearChanges();
  }

  private void clearChanges() {
    for (int i = 0, n = changed.size(); i < n; i++) {
      changed.get(i).dirty = false;
    }
    changed.clear();
  }

  /**
   * The snapshot of {@code key}'s logic, or null if this worker holds no logic for it. On the
   * worker thread, between activations (an interactive test's state read).
   */
  Object stateOf(Object key) {
    Slot slot = logics.get(key);
    if (slot == null) {
      return null;
    }
    try {
      return slot.logic.snapshot();
    } catch (RuntimeException | Error e) {
      throw failureDuring("snapshotting key " + StepFailedException.describe(key) + " for a state read", e);
    }
  }

  /** Stands for "this key was discarded" in {@link #takeChanges()}. */
  static final Object DISCARDED = new Object() {
    @Override
    public String toString() {
      return "DISCARDED";
    }
  };

  @Override
  void process(long epoch, List<Object> items) {
    for (Object item : items) {
      KV<?, ?> kv = (KV<?, ?>) item;
      Object id = Routing.identity(kv.key()); // keys are grouped by their routing identity
      List<Object> values = groups.get(id);
      if (values == null) {
        values = new ArrayList<>(4);
        groups.put(id, values);
        keyOrder.add(id);
      }
      values.add(kv.value());
    }
    List<Object> out = new ArrayList<>(items.size());
    emitter.out = out;
    long t0 = System.nanoTime();
    try {
      for (Object key : keyOrder) {
        List<Object> values = groups.get(key);
        Slot slot = logics.get(key);
        if (slot == null) {
          slot = new Slot(key, build(key, values));
          logics.put(key, slot);
        }
        StatefulLogic<Object, Object, Object> logic = slot.logic;
        if (metrics.keyItems != null) {
          metrics.keyItems.merge(key, (long) values.size(), Long::sum);
        }
        emitter.key = Routing.keyOf(key);
        Retention r;
        try {
          r = logic.onBatch(values, emitter);
        } catch (RuntimeException | Error e) {
          throw failure(values.size() == 1 ? KV.of(Routing.keyOf(key), values.get(0)) : values, e);
        }
        after(slot, r);
      }
    } finally {
      groups.clear();
      keyOrder.clear();
    }
    recordActivation(System.nanoTime() - t0);
    emit(0, epoch, out);
  }

  private StatefulLogic<Object, Object, Object> build(Object key, Object context) {
    try {
      StatefulLogic<Object, Object, Object> logic = builder.build(Routing.keyOf(key), null);
      if (logic == null) {
        throw new IllegalStateException("the logic builder returned null for key " + key);
      }
      return logic;
    } catch (RuntimeException | Error e) {
      throw failure(context, e);
    }
  }

  private void after(Slot slot, Retention r) {
    if (changed != null && !slot.dirty) {
      slot.dirty = true;
      changed.add(slot);
    }
    Object key = slot.key;
    StatefulLogic<Object, Object, Object> logic = slot.logic;
    if (r == Retention.DISCARD) {
      logics.remove(key);
      slot.logic = null;
      unschedule(key);
      return;
    }
    Instant at;
    try {
      at = logic.notifyAt();
    } catch (RuntimeException | Error e) {
      throw failureDuring("asking notifyAt of key " + StepFailedException.describe(key), e);
    }
    if (at == null) {
      unschedule(key);
      return;
    }
    Timer current = scheduled.get(key);
    if (current == null || !current.at.equals(at)) {
      // a moved deadline replaces the key's timer: the queue never holds more timers than keys
      unschedule(key);
      Timer t = new Timer(at, timerSeq++, key);
      scheduled.put(key, t);
      timers.add(t);
    }
  }

  private void unschedule(Object key) {
    if (scheduled.isEmpty()) {
      return; // most logics never set a timer: no lookup per key
    }
    Timer old = scheduled.remove(key);
    if (old != null) {
      timers.remove(old);
    }
  }

  @Override
  int tick() {
    if (timers.isEmpty()) {
      return 0;
    }
    Instant now = worker.virtualTime ? Instant.ofEpochMilli(timeMillis) : worker.clock.instant();
    // take the due timers first: a timer a logic sets again while still due fires on a later
    // activation, so one activation stays bounded and the worker keeps running its other work
    List<Timer> due = new ArrayList<>();
    while (!timers.isEmpty() && !timers.first().at.isAfter(now)) {
      due.add(timers.pollFirst());
    }
    List<Object> out = null;
    int fired = 0;
    for (Timer t : due) {
      if (scheduled.get(t.key) != t) {
        continue; // rescheduled or discarded by an earlier timer of this activation
      }
      scheduled.remove(t.key);
      Slot slot = logics.get(t.key);
      if (slot == null) {
        continue;
      }
      StatefulLogic<Object, Object, Object> logic = slot.logic;
      if (out == null) {
        out = new ArrayList<>();
        emitter.out = out;
      }
      emitter.key = Routing.keyOf(t.key);
      long t0 = System.nanoTime();
      Retention r;
      try {
        r = logic.onNotify(emitter);
      } catch (RuntimeException | Error e) {
        throw failureDuring("running the timer of key " + StepFailedException.describe(t.key), e);
      }
      recordActivation(System.nanoTime() - t0);
      after(slot, r);
      fired++;
    }
    if (out != null) {
      emit(0, lastEpoch, out);
    }
    return fired;
  }

  @Override
  void finish() {
    List<Object> out = new ArrayList<>();
    emitter.out = out;
    long t0 = System.nanoTime();
    for (Map.Entry<Object, Slot> e : logics.entrySet()) {
      emitter.key = Routing.keyOf(e.getKey());
      try {
        e.getValue().logic.onEof(emitter);
      } catch (RuntimeException | Error ex) {
        throw failureDuring("ending key " + StepFailedException.describe(e.getKey()), ex);
      }
    }
    recordActivation(System.nanoTime() - t0);
    logics.clear();
    scheduled.clear();
    timers.clear();
    emit(0, lastEpoch, out);
  }

  @Override
  public String describe() {
    return super.describe() + ", " + logics.size() + " keys held, " + timers.size() + " timers queued";
  }
}
