package io.sluice.testkit;

import io.sluice.inputs.FixedPartitionedSource;
import io.sluice.inputs.SourcePartition;
import io.sluice.time.RunClock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A deterministic source for tests: one or more named partitions, each playing a {@link Script}
 * of items and markers (pause, end of stream, abort) in batches of {@link #batchSize()}. Each
 * partition is read by exactly one worker, as with any fixed-partitioned source, so the same
 * source gives the same items in the same order per partition at every worker count, in every
 * run. It is immutable and can be run any number of times.
 *
 * <pre>{@code
 * TestSource.of("a", "b", "c");                                   // one partition, "partition-0"
 * TestSource.dealt(3, items);                                      // item i in partition i % 3
 * TestSource.<String>builder()
 *     .partition("left", Script.of("a").pause(Duration.ofMillis(10)).then("b"))
 *     .partition("right", "x", "y")
 *     .batchSize(1)
 *     .build();
 * }</pre>
 *
 * <p>A partition's resume state is its position in its script: a run resumed from a snapshot
 * continues where the snapshot was taken (after an end-of-stream marker, with what follows it),
 * and skips {@link Script#abort()} markers.
 *
 * @param <T> the item type
 */
public final class TestSource<T> implements FixedPartitionedSource<T, Long> {
  /** Items per batch unless set: like a real source, several items travel together. */
  public static final int DEFAULT_BATCH_SIZE = 100;

  private final Map<String, Script<T>> partitions;
  private final int batchSize;

  private TestSource(Map<String, Script<T>> partitions, int batchSize) {
    if (partitions.isEmpty()) {
      throw new IllegalArgumentException("a TestSource needs at least one partition");
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
    }
    this.partitions = Collections.unmodifiableMap(new LinkedHashMap<>(partitions));
    this.batchSize = batchSize;
  }

  /** One partition named {@code partition-0} with {@code items}. */
  @SafeVarargs
  @SuppressWarnings("varargs") // the array is only read, through Arrays.asList
  public static <T> TestSource<T> of(T... items) {
    return ofAll(Arrays.asList(items));
  }

  /** One partition named {@code partition-0} with {@code items}. */
  public static <T> TestSource<T> ofAll(Iterable<? extends T> items) {
    return of(Script.ofAll(items));
  }

  /** One partition named {@code partition-0} playing {@code script}. */
  public static <T> TestSource<T> of(Script<T> script) {
    return TestSource.<T>builder().partition("partition-0", script).build();
  }

  /**
   * {@code partitions} partitions named {@code partition-0}, {@code partition-1}, ...; item
   * {@code i} goes to partition {@code i % partitions}, keeping order within each partition.
   */
  public static <T> TestSource<T> dealt(int partitions, List<? extends T> items) {
    if (partitions < 1) {
      throw new IllegalArgumentException("partitions must be at least 1, got " + partitions);
    }
    List<List<T>> parts = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      parts.add(new ArrayList<>());
    }
    for (int i = 0; i < items.size(); i++) {
      parts.get(i % partitions).add(items.get(i));
    }
    Builder<T> b = builder();
    for (int p = 0; p < partitions; p++) {
      b.partition("partition-" + p, Script.ofAll(parts.get(p)));
    }
    return b.build();
  }

  /** Named partitions with their items, in map order. */
  public static <T> TestSource<T> partitioned(Map<String, ? extends List<? extends T>> partitions) {
    Builder<T> b = builder();
    partitions.forEach((name, items) -> b.partition(name, Script.ofAll(items)));
    return b.build();
  }

  /** A builder for partitions with scripts. */
  public static <T> Builder<T> builder() {
    return new Builder<>();
  }

  /** The same partitions in batches of {@code batchSize} items (a marker always ends a batch). */
  public TestSource<T> withBatchSize(int batchSize) {
    return new TestSource<>(partitions, batchSize);
  }

  public int batchSize() {
    return batchSize;
  }

  /** The partitions' scripts by name. */
  public Map<String, Script<T>> scripts() {
    return partitions;
  }

  /** Every item a run reads, partition by partition (up to each partition's end or abort). */
  public List<T> itemsRead() {
    List<T> all = new ArrayList<>();
    partitions.values().forEach(s -> all.addAll(s.itemsRead()));
    return all;
  }

  @Override
  public List<String> listPartitions() {
    return List.copyOf(partitions.keySet());
  }

  @Override
  public SourcePartition<T, Long> buildPartition(String stepId, String partition, Long resumeState) {
    Script<T> script = partitions.get(partition);
    if (script == null) {
      throw new IllegalArgumentException("step '" + stepId + "': test source has no partition '" + partition
          + "'; it has " + partitions.keySet());
    }
    return new Player<>(partition, script.entries(), batchSize, resumeState == null ? 0 : resumeState.intValue(),
        resumeState != null);
  }

  @Override
  public String toString() {
    return "TestSource" + partitions.keySet() + " batchSize=" + batchSize;
  }

  /** Collects named partitions for a {@link TestSource}. */
  public static final class Builder<T> {
    private final Map<String, Script<T>> partitions = new LinkedHashMap<>();
    private int batchSize = DEFAULT_BATCH_SIZE;

    private Builder() {}

    /** Adds a partition playing {@code script}. */
    public Builder<T> partition(String name, Script<T> script) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(script, "script");
      if (partitions.putIfAbsent(name, script) != null) {
        throw new IllegalArgumentException("duplicate partition name '" + name + "'");
      }
      return this;
    }

    /** Adds a partition of {@code items}. */
    @SafeVarargs
    @SuppressWarnings("varargs") // the array is only read, through Arrays.asList
    public final Builder<T> partition(String name, T... items) {
      return partition(name, Script.of(items));
    }

    /** Items per batch. */
    public Builder<T> batchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    public TestSource<T> build() {
      return new TestSource<>(partitions, batchSize);
    }
  }

  /** Plays one partition's script; never blocks (a pause is a time to be polled again). */
  private static final class Player<T> implements SourcePartition<T, Long> {
    private final String partition;
    private final List<Object> entries;
    private final int batchSize;
    private int position;
    private long emitted;
    private Instant pauseUntil;
    private final boolean resumed;

    Player(String partition, List<Object> entries, int batchSize, int position, boolean resumed) {
      this.partition = partition;
      this.entries = entries;
      this.batchSize = batchSize;
      this.position = position;
      this.resumed = resumed;
    }

    @Override
    public List<T> nextBatch() {
      while (position < entries.size() && entries.get(position) instanceof Script.Marker marker) {
        if (marker instanceof Script.Pause p) {
          Instant now = RunClock.now();
          if (pauseUntil == null) {
            pauseUntil = now.plus(p.duration());
          }
          if (now.isBefore(pauseUntil)) {
            return List.of();
          }
          pauseUntil = null;
          position++;
        } else if (marker instanceof Script.EndOfStream) {
          position++; // a run resumed from here continues behind the end
          return null;
        } else {
          position++; // resuming after the abort continues behind it
          if (!resumed) {
            throw new SourceAbortedException(partition, emitted);
          }
        }
      }
      if (position >= entries.size()) {
        return null;
      }
      List<T> batch = new ArrayList<>(Math.min(batchSize, entries.size() - position));
      while (batch.size() < batchSize && position < entries.size()
          && entries.get(position) instanceof Script.Item item) {
        batch.add(Script.item(item));
        position++;
      }
      emitted += batch.size();
      return batch;
    }

    @Override
    public Instant nextAwake() {
      return pauseUntil;
    }

    @Override
    public Long snapshot() {
      return (long) position;
    }
  }
}
