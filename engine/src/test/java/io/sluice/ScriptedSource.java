package io.sluice;

import io.sluice.inputs.FixedPartitionedSource;
import io.sluice.inputs.SourcePartition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * A one-partition source (so exactly one worker, worker 0, reads it) that plays a script: emit
 * batches, and wait for a condition before going on. While it waits it returns empty batches and
 * asks not to be polled again for a few milliseconds ({@code nextAwake}); the wait is on a
 * condition, never on time, so tests using it are deterministic.
 */
public final class ScriptedSource<T> implements FixedPartitionedSource<T, Void> {
  private sealed interface Action permits Emit, WaitUntil {}

  private record Emit(List<?> items) implements Action {}

  private record WaitUntil(BooleanSupplier condition) implements Action {}

  private final List<Action> script = new ArrayList<>();

  public static <T> ScriptedSource<T> create() {
    return new ScriptedSource<>();
  }

  /** Emits {@code items} as one batch. */
  @SafeVarargs
  public final ScriptedSource<T> emit(T... items) {
    script.add(new Emit(List.of(items)));
    return this;
  }

  /** Returns empty batches, pausing briefly between polls, until {@code condition} holds. */
  public ScriptedSource<T> waitUntil(BooleanSupplier condition) {
    script.add(new WaitUntil(condition));
    return this;
  }

  @Override
  public List<String> listPartitions() {
    return List.of("script");
  }

  @Override
  public SourcePartition<T, Void> buildPartition(String stepId, String partition, Void resumeState) {
    List<Action> actions = List.copyOf(script);
    return new SourcePartition<>() {
      private int next;
      private Instant awake;

      @Override
      @SuppressWarnings("unchecked")
      public List<T> nextBatch() {
        awake = null;
        if (next == actions.size()) {
          return null;
        }
        Action a = actions.get(next);
        if (a instanceof Emit e) {
          next++;
          return new ArrayList<>((List<T>) e.items());
        }
        if (((WaitUntil) a).condition().getAsBoolean()) {
          next++;
        } else {
          awake = Instant.now().plusMillis(2);
        }
        return new ArrayList<>();
      }

      @Override
      public Instant nextAwake() {
        return awake;
      }

      @Override
      public Void snapshot() {
        return null;
      }
    };
  }
}
