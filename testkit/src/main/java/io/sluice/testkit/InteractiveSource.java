package io.sluice.testkit;

import io.sluice.inputs.EpochBoundary;
import io.sluice.inputs.FixedPartitionedSource;
import io.sluice.inputs.SourcePartition;
import io.sluice.time.RunClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A source a test feeds while the flow runs, for {@link DataflowRunner#start interactive runs}
 * (what Kafka Streams' {@code TopologyTestDriver} and its {@code TestInputTopic} offer): one or
 * more named partitions, each a queue the test thread {@link Partition#push pushes} items and
 * markers into. Each partition is read by exactly one worker, as with any fixed-partitioned source,
 * so items keep their push order within a partition at every worker count.
 *
 * <pre>{@code
 * InteractiveSource<String> clicks = InteractiveSource.create();      // one partition, "partition-0"
 * InteractiveSource<String> two = InteractiveSource.withPartitions("left", "right");
 * two.partition("left").push("a", "b");
 * two.advance(Duration.ofSeconds(5));   // every partition: virtual time moves 5 s
 * two.endOfStream();                    // every partition ends
 * }</pre>
 *
 * <p>Guarantees: every method is thread-safe and returns at once (nothing waits for the flow; use
 * {@link InteractiveRun#awaitIdle()} for that); a partition never blocks its worker: with nothing
 * queued it returns an empty batch. A partition's items and markers are read in the order they were
 * pushed, in batches of at most {@link #batchSize()} items; a marker always ends a batch.
 *
 * <p>Markers: {@link Partition#advance advance(d)} moves the partition's time by {@code d} (under
 * virtual time: its time jumps there and it closes an epoch, as a {@link Script#advance} does;
 * on the system clock the partition pauses for {@code d}); {@link Partition#endOfStream()} ends the
 * partition. The run handle also queues a flush marker of its own on every open partition when it
 * waits for the flow to be idle: the partition closes an epoch there ({@link EpochBoundary}).
 *
 * <p>One source serves one run: it does not resume from snapshots and cannot be started twice.
 *
 * @param <T> the item type
 */
public final class InteractiveSource<T> implements FixedPartitionedSource<T, Long> {
  /** Items per batch unless set. */
  public static final int DEFAULT_BATCH_SIZE = 100;

  private final Map<String, Partition<T>> partitions;
  private final int batchSize;
  private final AtomicBoolean claimed = new AtomicBoolean();

  private InteractiveSource(List<String> names, int batchSize) {
    if (names.isEmpty()) {
      throw new IllegalArgumentException("an InteractiveSource needs at least one partition");
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
    }
    Map<String, Partition<T>> map = new LinkedHashMap<>();
    for (String name : names) {
      Objects.requireNonNull(name, "partition name");
      if (map.put(name, new Partition<>(this, name)) != null) {
        throw new IllegalArgumentException("partition '" + name + "' is listed twice");
      }
    }
    this.partitions = Collections.unmodifiableMap(map);
    this.batchSize = batchSize;
  }

  /** One partition named {@code partition-0}. */
  public static <T> InteractiveSource<T> create() {
    return withPartitions("partition-0");
  }

  /** Partitions with these names, in this order. */
  public static <T> InteractiveSource<T> withPartitions(String... names) {
    return new InteractiveSource<>(Arrays.asList(names), DEFAULT_BATCH_SIZE);
  }

  /** {@code count} partitions named {@code partition-0}, {@code partition-1}, ... */
  public static <T> InteractiveSource<T> withPartitions(int count) {
    if (count < 1) {
      throw new IllegalArgumentException("partitions must be at least 1, got " + count);
    }
    List<String> names = new ArrayList<>();
    for (int p = 0; p < count; p++) {
      names.add("partition-" + p);
    }
    return new InteractiveSource<>(names, DEFAULT_BATCH_SIZE);
  }

  /** The same partitions, read in batches of at most {@code batchSize} items; before the run only. */
  public InteractiveSource<T> withBatchSize(int batchSize) {
    if (claimed.get()) {
      throw new IllegalStateException("this InteractiveSource is already in a run");
    }
    return new InteractiveSource<>(List.copyOf(partitions.keySet()), batchSize);
  }

  public int batchSize() {
    return batchSize;
  }

  /**
   * The partition named {@code name}.
   *
   * @throws IllegalArgumentException if there is none
   */
  public Partition<T> partition(String name) {
    Partition<T> p = partitions.get(name);
    if (p == null) {
      throw new IllegalArgumentException("no partition '" + name + "'; the partitions are " + partitions.keySet());
    }
    return p;
  }

  /** Every partition, by name. */
  public Map<String, Partition<T>> partitions() {
    return partitions;
  }

  /**
   * Pushes {@code items} to the only partition.
   *
   * @throws IllegalStateException if the source has several partitions (say which with {@link #partition})
   */
  @SafeVarargs
  @SuppressWarnings("varargs")
  public final InteractiveSource<T> push(T... items) {
    only().push(items);
    return this;
  }

  /** Pushes {@code items} to the only partition; see {@link #push(Object[])}. */
  public InteractiveSource<T> pushAll(Iterable<? extends T> items) {
    only().pushAll(items);
    return this;
  }

  /** Advances every partition's time by {@code d} (see {@link Partition#advance}); ended partitions are skipped. */
  public InteractiveSource<T> advance(Duration d) {
    checkAdvance(d);
    for (Partition<T> p : partitions.values()) {
      synchronized (p) {
        if (!p.ended) {
          p.advance(d);
        }
      }
    }
    return this;
  }

  /** Ends every partition that has not ended yet. */
  public void endOfStream() {
    for (Partition<T> p : partitions.values()) {
      synchronized (p) {
        if (!p.ended) {
          p.endOfStream();
        }
      }
    }
  }

  private Partition<T> only() {
    if (partitions.size() != 1) {
      throw new IllegalStateException("this InteractiveSource has " + partitions.size() + " partitions "
          + partitions.keySet() + ": push to one with partition(name).push(...)");
    }
    return partitions.values().iterator().next();
  }

  /** Marks this source as used by a run; false if another run has it. */
  boolean claim() {
    return claimed.compareAndSet(false, true);
  }

  @Override
  public List<String> listPartitions() {
    return List.copyOf(partitions.keySet());
  }

  @Override
  public SourcePartition<T, Long> buildPartition(String stepId, String partition, Long resumeState) {
    if (resumeState != null) {
      throw new IllegalStateException("an InteractiveSource does not resume from a snapshot (step '" + stepId + "')");
    }
    Partition<T> p = partition(partition);
    if (!p.built.compareAndSet(false, true)) {
      throw new IllegalStateException("partition '" + partition + "' of this InteractiveSource is already being read"
          + " (step '" + stepId + "'): one InteractiveSource serves one input step of one run");
    }
    return new Reader<>(p, batchSize);
  }

  @Override
  public String toString() {
    return "InteractiveSource" + partitions.keySet();
  }

  static void checkAdvance(Duration d) {
    Objects.requireNonNull(d, "duration");
    if (d.isZero() || d.isNegative() || d.toMillis() == 0) {
      throw new IllegalArgumentException("a time advance must be at least 1 ms (virtual time has ms precision), got " + d);
    }
  }

  private record Advance(Duration by) {}

  private record Flush(CompletableFuture<Long> done) {}

  private static final Object END = new Object() {
    @Override
    public String toString() {
      return "END";
    }
  };

  /**
   * One partition's queue, fed by the test thread. Thread-safe; nothing it does waits for the flow.
   *
   * @param <T> the item type
   */
  public static final class Partition<T> {
    private final InteractiveSource<T> source;
    private final String name;
    final ConcurrentLinkedQueue<Object> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean built = new AtomicBoolean();
    /** Set (under this partition's lock) when end of stream is queued: nothing may follow it. */
    private volatile boolean ended;

    private Partition(InteractiveSource<T> source, String name) {
      this.source = source;
      this.name = name;
    }

    public String name() {
      return name;
    }

    /**
     * Queues {@code items}, in order, after everything pushed before.
     *
     * @throws IllegalArgumentException if an item is null
     * @throws IllegalStateException    if the partition has ended
     */
    @SafeVarargs
    @SuppressWarnings("varargs")
    public final Partition<T> push(T... items) {
      return pushAll(Arrays.asList(items));
    }

    /** Queues {@code items}, in order; see {@link #push(Object[])}. */
    public synchronized Partition<T> pushAll(Iterable<? extends T> items) {
      checkOpen("push to");
      List<T> copy = new ArrayList<>();
      for (T item : items) {
        if (item == null) {
          throw new IllegalArgumentException("partition '" + name + "': items must not be null");
        }
        copy.add(item);
      }
      queue.addAll(copy);
      return this;
    }

    /**
     * Queues a time advance of {@code d}: under virtual time, once the partition reaches it, its
     * time jumps {@code d} ahead and it closes an epoch (timers and {@code collect} timeouts due by
     * then fire downstream once every input of their step has passed the same time). On the system
     * clock the partition pauses for {@code d} instead.
     *
     * @throws IllegalArgumentException if {@code d} is less than 1 ms
     */
    public synchronized Partition<T> advance(Duration d) {
      checkAdvance(d);
      checkOpen("advance");
      queue.add(new Advance(d));
      return this;
    }

    /** Queues the end of this partition: the worker reads what was pushed before, then the partition ends. */
    public synchronized void endOfStream() {
      checkOpen("end");
      ended = true;
      queue.add(END);
    }

    /**
     * Queues a flush marker: the future completes, on the partition's worker, with the epoch the
     * partition closed right after everything pushed before. Null if the partition has ended.
     */
    synchronized CompletableFuture<Long> flush() {
      if (ended) {
        return null;
      }
      Flush f = new Flush(new CompletableFuture<>());
      queue.add(f);
      return f.done();
    }

    /** Whether {@link #endOfStream()} was called. */
    public boolean ended() {
      return ended;
    }

    private void checkOpen(String what) {
      if (ended) {
        throw new IllegalStateException("cannot " + what + " partition '" + name + "' of " + source
            + ": its end of stream was pushed already");
      }
    }

    @Override
    public String toString() {
      return "partition '" + name + "' of " + source;
    }
  }

  /** The worker's side of one partition. Runs on that worker only. */
  private static final class Reader<T> implements SourcePartition<T, Long>, EpochBoundary {
    private final Partition<T> partition;
    private final int batchSize;
    private long read;
    private boolean endReached;
    private Instant awake;
    private Flush flush;

    Reader(Partition<T> partition, int batchSize) {
      this.partition = partition;
      this.batchSize = batchSize;
    }

    @Override
    @SuppressWarnings("unchecked")
    public List<T> nextBatch() {
      if (endReached) {
        return null;
      }
      List<T> batch = new ArrayList<>();
      while (batch.size() < batchSize) {
        Object head = partition.queue.peek();
        if (head == null) {
          break;
        }
        if (head == END) {
          if (batch.isEmpty()) {
            partition.queue.poll();
            endReached = true;
            return null;
          }
          break; // the items first; the end on the next call
        }
        partition.queue.poll();
        if (head instanceof Flush f) {
          flush = f;
          break;
        }
        if (head instanceof Advance a) {
          awake = RunClock.now().plus(a.by());
          break;
        }
        batch.add((T) head);
      }
      read += batch.size();
      return batch;
    }

    @Override
    public Instant nextAwake() {
      Instant a = awake;
      awake = null;
      return a;
    }

    @Override
    public boolean closeEpochAfterBatch(long openEpoch) {
      Flush f = flush;
      if (f == null) {
        return false;
      }
      flush = null;
      f.done().complete(openEpoch);
      return true;
    }

    @Override
    public Long snapshot() {
      return read;
    }
  }
}
