package io.sluice.testkit;

import io.sluice.run.EmitObserver;
import io.sluice.run.RunConfig;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Notices items changed after a step emitted them: records what each emitted item held (its
 * serialized form) and, when the run has ended, compares it with what the item holds then. Sluice
 * passes items by reference between the steps of one process (not across processes), so a step
 * that emits an object and changes it later (a state list it returns, a reused buffer: the
 * pitfall of Flink's object-reuse mode) makes the output depend on how many workers and processes
 * run. Deeply immutable items are skipped; items that cannot be serialized cannot be checked.
 */
final class EmitCheck implements EmitObserver {
  /** The marker in a runner's configuration meaning "check every run"; each run gets its own check. */
  static final EmitObserver ENABLED = new EmitObserver() {
    @Override
    public void emitted(String stepId, int worker, List<?> items) {
      // never installed in a run: replaced by a fresh EmitCheck
    }

    @Override
    public String toString() {
      return "EmitCheck.ENABLED";
    }
  };

  /** Items recorded per run at most; a longer run checks its first ones. */
  static final int MAX_RECORDED = 200_000;

  private record Emitted(long seq, String stepId, int worker, Object item, byte[] bytes) {}

  private final ConcurrentLinkedQueue<Emitted> emitted = new ConcurrentLinkedQueue<>();
  private final AtomicLong seq = new AtomicLong();
  private final AtomicInteger recorded = new AtomicInteger();
  private final WorkerNames names;

  private EmitCheck(WorkerNames names) {
    this.names = names;
  }

  /**
   * A fresh check if {@code config} asks for one, else null.
   *
   * @param processes the run's processes, for naming workers ({@code worker 2 (process 1)})
   */
  static EmitCheck forRun(RunConfig config, int processes) {
    return config.emitObserver() == ENABLED ? new EmitCheck(new WorkerNames(processes, config.workersPerProcess())) : null;
  }

  @Override
  public void emitted(String stepId, int worker, List<?> items) {
    for (Object item : items) {
      if (ItemSnapshots.immutable(item) || recorded.get() >= MAX_RECORDED) {
        continue;
      }
      byte[] bytes = ItemSnapshots.bytes(item);
      if (bytes != null) {
        recorded.incrementAndGet();
        emitted.add(new Emitted(seq.getAndIncrement(), stepId, worker, item, bytes));
      }
    }
  }

  /**
   * @throws AssertionError naming the step that first emitted each changed item, what it emitted
   *                        and what the item holds now
   */
  void verify() {
    Map<Object, byte[]> now = new IdentityHashMap<>();
    Map<Object, Emitted> firstChanged = new IdentityHashMap<>();
    for (Emitted e : emitted) {
      byte[] current = now.computeIfAbsent(e.item, ItemSnapshots::bytes);
      if (current == null || !ItemSnapshots.same(current, e.bytes)) {
        Emitted first = firstChanged.get(e.item);
        if (first == null || e.seq < first.seq) {
          firstChanged.put(e.item, e);
        }
      }
    }
    if (firstChanged.isEmpty()) {
      return;
    }
    List<Emitted> changed = new ArrayList<>(firstChanged.values());
    changed.sort(java.util.Comparator.comparingLong(Emitted::seq));
    List<String> lines = new ArrayList<>();
    for (Emitted e : changed.subList(0, Math.min(changed.size(), Texts.MAX_LISTED))) {
      Object then = ItemSnapshots.read(e.bytes, e.item.getClass().getClassLoader());
      lines.add("step '" + e.stepId + "' (" + names.worker(e.worker) + ") emitted " + Texts.item(then)
          + ", and it was changed afterwards (by that step, or by a later step that changed an item it received):"
          + " it is now " + Texts.item(e.item));
    }
    throw new AssertionError(changed.size() + (changed.size() == 1 ? " item was" : " items were")
        + " changed after a step emitted it:\n  " + String.join("\n  ", lines)
        + (changed.size() > lines.size() ? "\n  ... and " + (changed.size() - lines.size()) + " more" : "")
        + "\nSluice passes an emitted item by reference to later steps and sinks of the same process (and copies"
        + " it between processes), so what they see depends on timing and on the worker and process count."
        + " Emit a copy or a new object (e.g. List.copyOf(state)) and never change an item after emitting it;"
        + " see docs/TESTING.md, \"Items must not change after they are emitted\".");
  }
}
