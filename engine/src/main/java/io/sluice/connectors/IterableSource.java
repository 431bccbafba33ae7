package io.sluice.connectors;

import io.sluice.inputs.FixedPartitionedSource;
import io.sluice.inputs.SourcePartition;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An in-memory source: one or more named partitions, each over an {@link Iterable}, read in
 * batches of {@code batchSize}. The resume state of a partition is how many items it has emitted.
 * The iterables may be lazy (generators); each partition's iterable is iterated once per run.
 */
public final class IterableSource<T> implements FixedPartitionedSource<T, Long> {
  /** Default batch size. */
  public static final int DEFAULT_BATCH_SIZE = 1000;

  private final Map<String, Iterable<? extends T>> partitions;
  private final int batchSize;

  private IterableSource(Map<String, Iterable<? extends T>> partitions, int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be at least 1, got " + batchSize);
    }
    this.partitions = partitions;
    this.batchSize = batchSize;
  }

  /** A single partition named {@code "iterable"} over {@code items}. */
  public static <T> IterableSource<T> of(Iterable<? extends T> items) {
    return of(items, DEFAULT_BATCH_SIZE);
  }

  /** A single partition named {@code "iterable"} over {@code items}, in batches of {@code batchSize}. */
  public static <T> IterableSource<T> of(Iterable<? extends T> items, int batchSize) {
    Objects.requireNonNull(items, "items");
    Map<String, Iterable<? extends T>> m = new LinkedHashMap<>();
    m.put("iterable", items);
    return new IterableSource<>(m, batchSize);
  }

  /** Named partitions, each over its own iterable. */
  public static <T> IterableSource<T> partitioned(Map<String, ? extends Iterable<? extends T>> partitions, int batchSize) {
    if (partitions.isEmpty()) {
      throw new IllegalArgumentException("an IterableSource needs at least one partition");
    }
    return new IterableSource<>(new LinkedHashMap<>(partitions), batchSize);
  }

  @Override
  public List<String> listPartitions() {
    return List.copyOf(partitions.keySet());
  }

  @Override
  public SourcePartition<T, Long> buildPartition(String stepId, String partition, Long resumeState) {
    Iterable<? extends T> items = partitions.get(partition);
    if (items == null) {
      throw new IllegalArgumentException("no partition '" + partition + "' in step '" + stepId + "'");
    }
    Iterator<? extends T> it = items.iterator();
    long skip = resumeState == null ? 0 : resumeState;
    for (long i = 0; i < skip && it.hasNext(); i++) {
      it.next();
    }
    return new SourcePartition<>() {
      private long emitted = skip;

      @Override
      public List<T> nextBatch() {
        if (!it.hasNext()) {
          return null;
        }
        List<T> batch = new ArrayList<>(batchSize);
        while (batch.size() < batchSize && it.hasNext()) {
          batch.add(it.next());
        }
        emitted += batch.size();
        return batch;
      }

      @Override
      public Long snapshot() {
        return emitted;
      }
    };
  }
}
