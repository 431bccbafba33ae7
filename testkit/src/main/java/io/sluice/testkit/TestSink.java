package io.sluice.testkit;

import io.sluice.outputs.DynamicSink;
import io.sluice.outputs.StatelessSinkPartition;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A sink for tests that captures every item with its provenance ({@link Captured}: process,
 * worker, step, epoch, arrival order). Create one per test: it holds no static state. Each run a
 * {@link DataflowRunner} starts clears it first, so after a run it holds exactly that run's
 * output, also kept in {@link TestRun#output(TestSink)}.
 *
 * <p>It keeps what each item held <em>when it was written</em>, as a real sink writing at that
 * moment would: deeply immutable items (strings, numbers, enums, records and {@code List.of}
 * collections of those) are kept as they are, other {@link java.io.Serializable} items as a deep
 * copy made through Java serialization; an item that is neither is kept by reference. (A
 * {@link DataflowRunner} also fails a run in which an item changed after a step emitted it.)
 *
 * <p>Each worker appends to its own buffer, so capturing costs no contention between workers.
 * Reading while a run is going on is safe (each buffer is copied under its lock) and gives what
 * arrived so far: every worker's writes up to some point, so a batch still being appended by one
 * worker may be missing while a later one from another is there. After
 * {@link InteractiveRun#awaitIdle()} it holds everything the items pushed before caused.
 *
 * @param <T> the item type
 */
public final class TestSink<T> implements DynamicSink<T> {
  private final String name;
  private final List<Buffer<T>> buffers = new ArrayList<>();
  private final AtomicLong sequence = new AtomicLong();
  private volatile int workersPerProcess;

  /** A sink that messages call by the id of the output step that writes to it. */
  public TestSink() {
    this.name = null;
  }

  /** A sink with a name for messages. */
  public TestSink(String name) {
    this.name = java.util.Objects.requireNonNull(name, "name");
  }

  /** The name given at construction, or null. */
  public String name() {
    return name;
  }

  @Override
  public StatelessSinkPartition<T> build(String stepId, int workerIndex, int workerCount) {
    int perProcess = workersPerProcess;
    int process = perProcess <= 0 ? 0 : workerIndex / perProcess;
    Buffer<T> b = new Buffer<>(this, stepId, workerIndex, process);
    synchronized (buffers) {
      buffers.add(b);
    }
    return b;
  }

  /** Every item received in the current (or last) run, in arrival order. */
  public List<T> items() {
    List<Captured<T>> all = captured();
    List<T> items = new ArrayList<>(all.size());
    for (Captured<T> c : all) {
      items.add(c.item());
    }
    return items;
  }

  /** Every item received in the current (or last) run with its provenance, in arrival order. */
  public List<Captured<T>> captured() {
    List<Captured<T>> all = new ArrayList<>();
    synchronized (buffers) {
      for (Buffer<T> b : buffers) {
        synchronized (b) {
          all.addAll(b.records);
        }
      }
    }
    all.sort(Comparator.comparingLong(Captured::sequence));
    return all;
  }

  /** Forgets what earlier runs wrote; {@code workersPerProcess} maps workers to processes. */
  void beginRun(int workersPerProcess) {
    synchronized (buffers) {
      buffers.clear();
      sequence.set(0);
      this.workersPerProcess = workersPerProcess;
    }
  }

  /**
   * Adds records captured by this sink's twin in another JVM (a forked process of the same flow),
   * in their order, numbered after what this sink already holds.
   */
  void addForeign(List<Captured<T>> records) {
    Buffer<T> b = new Buffer<>(this, null, -1, -1);
    for (Captured<T> c : records) {
      b.records.add(new Captured<>(c.item(), c.process(), c.worker(), c.stepId(), c.epoch(), sequence.getAndIncrement()));
    }
    synchronized (buffers) {
      buffers.add(b);
    }
  }

  @Override
  public String toString() {
    return "TestSink[" + (name == null ? "" : name) + "]";
  }

  @SuppressWarnings("unchecked")
  private static <T> T snapshot(T item) {
    return (T) ItemSnapshots.copy(item);
  }

  /** One worker's partition: appends what that worker writes. */
  private static final class Buffer<T> implements StatelessSinkPartition<T> {
    private final TestSink<T> sink;
    private final String stepId;
    private final int worker;
    private final int process;
    final List<Captured<T>> records = new ArrayList<>();

    Buffer(TestSink<T> sink, String stepId, int worker, int process) {
      this.sink = sink;
      this.stepId = stepId;
      this.worker = worker;
      this.process = process;
    }

    @Override
    public void writeBatch(List<T> items) {
      writeBatch(items, 0);
    }

    @Override
    public void writeBatch(List<T> items, long epoch) {
      long first = sink.sequence.getAndAdd(items.size());
      synchronized (this) {
        for (int i = 0; i < items.size(); i++) {
          // what the item holds now: a later change to the object does not change what was written
          records.add(new Captured<>(snapshot(items.get(i)), process, worker, stepId, epoch, first + i));
        }
      }
    }
  }
}
