package io.sluice.dataflow;

import io.sluice.inputs.Source;
import io.sluice.outputs.Sink;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * One kernel step of a {@link Dataflow} plan. Every operator of the API, composed or not, adds
 * one or more of these; the runtime instantiates each step once per worker. A plan is immutable
 * once built, so steps are plain values.
 */
public sealed interface Step {
  /** The step's id, unique within its dataflow. */
  String id();

  /** The streams this step reads, in input order. */
  List<Stream<?>> inputs();

  /** How many output streams the step has (0 for output, 2 for branch, else 1). */
  default int outputCount() {
    return 1;
  }

  /** Whether items cross between workers to reach this step. */
  default boolean exchanges() {
    return false;
  }

  /** Reads a source. */
  record Input(String id, Source<?> source) implements Step {
    @Override
    public List<Stream<?>> inputs() {
      return List.of();
    }
  }

  /**
   * Applies a per-worker {@link BatchMapper} built by {@code mapperPerWorker}.
   *
   * @param freshOutput whether the mapper returns a new list for every batch (Sluice's own
   *                    operators do), so the runtime may pass it on without copying it
   */
  record FlatMapBatch(String id, Stream<?> upstream, Supplier<? extends BatchMapper<?, ?>> mapperPerWorker,
      boolean freshOutput) implements Step {
    @Override
    public List<Stream<?>> inputs() {
      return List.of(upstream);
    }
  }

  /** Splits a stream: output 0 holds the items the predicate accepts, output 1 the rest. */
  record Branch(String id, Stream<?> upstream, Predicate<?> predicate) implements Step {
    @Override
    public List<Stream<?>> inputs() {
      return List.of(upstream);
    }

    @Override
    public int outputCount() {
      return 2;
    }
  }

  /** Joins several streams into one, on the same worker. */
  record Merge(String id, List<Stream<?>> inputs) implements Step {
    public Merge {
      inputs = List.copyOf(inputs);
    }
  }

  /** Shows every item to an {@link Inspector} and passes it on. */
  record Inspect(String id, Stream<?> upstream, Inspector<?> inspector) implements Step {
    @Override
    public List<Stream<?>> inputs() {
      return List.of(upstream);
    }
  }

  /** Spreads items evenly over all workers, round-robin per sending worker. */
  record Redistribute(String id, Stream<?> upstream) implements Step {
    @Override
    public List<Stream<?>> inputs() {
      return List.of(upstream);
    }

    @Override
    public boolean exchanges() {
      return true;
    }
  }

  /** Routes {@link KV}s to the worker owning their key and runs one {@link StatefulLogic} per key. */
  record StatefulBatch(String id, Stream<?> upstream, StatefulLogicBuilder<?, ?, ?, ?> builder)
      implements Step {
    @Override
    public List<Stream<?>> inputs() {
      return List.of(upstream);
    }

    @Override
    public boolean exchanges() {
      return true;
    }
  }

  /** Writes to a sink; a fixed-partitioned sink receives each item on its partition's worker. */
  record Output(String id, Stream<?> upstream, Sink<?> sink) implements Step {
    @Override
    public List<Stream<?>> inputs() {
      return List.of(upstream);
    }

    @Override
    public int outputCount() {
      return 0;
    }

    @Override
    public boolean exchanges() {
      return sink instanceof io.sluice.outputs.FixedPartitionedSink<?, ?>;
    }
  }
}
