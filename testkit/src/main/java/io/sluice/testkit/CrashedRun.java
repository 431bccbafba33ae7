package io.sluice.testkit;

import java.util.List;
import java.util.Map;

/** What a run stopped by a {@link Crash} left: the failure and what each {@link TestSink} received before it. */
public final class CrashedRun {
  private final Crash crash;
  private final RuntimeException failure;
  private final Map<TestSink<?>, SinkOutput<?>> outputs;

  CrashedRun(Crash crash, RuntimeException failure, Map<TestSink<?>, SinkOutput<?>> outputs) {
    this.crash = crash;
    this.failure = failure;
    this.outputs = outputs;
  }

  /** The crash point that fired. */
  public Crash crash() {
    return crash;
  }

  /** The exception the run failed with (a {@link Crash.InjectedCrash} in its cause chain). */
  public RuntimeException failure() {
    return failure;
  }

  /** What {@code sink} received before the crash. */
  @SuppressWarnings("unchecked")
  public <T> SinkOutput<T> output(TestSink<T> sink) {
    SinkOutput<?> o = outputs.get(sink);
    if (o == null) {
      throw new IllegalArgumentException("that sink is not an output of the crashed flow");
    }
    return (SinkOutput<T>) o;
  }

  /** The items {@code sink} received before the crash. */
  public <T> List<T> items(TestSink<T> sink) {
    return output(sink).items();
  }
}
