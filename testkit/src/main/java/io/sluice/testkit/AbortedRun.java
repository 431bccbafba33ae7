package io.sluice.testkit;

import io.sluice.run.StepFailedException;
import java.util.List;
import java.util.Map;

/**
 * A run that stopped at a {@link TestSource}'s {@link Script#abort()} marker, as if crashed: which
 * partition aborted, and what each {@link TestSink} of the flow had received by then.
 */
public final class AbortedRun {
  private final StepFailedException failure;
  private final SourceAbortedException abort;
  private final Map<TestSink<?>, SinkOutput<?>> outputs;

  AbortedRun(StepFailedException failure, SourceAbortedException abort, Map<TestSink<?>, SinkOutput<?>> outputs) {
    this.failure = failure;
    this.abort = abort;
    this.outputs = outputs;
  }

  /** The engine's failure: the input step and the worker that read the aborting partition. */
  public StepFailedException failure() {
    return failure;
  }

  /** The partition that aborted. */
  public String partition() {
    return abort.partition();
  }

  /** What {@code sink} had received when the run stopped. */
  @SuppressWarnings("unchecked")
  public <T> SinkOutput<T> output(TestSink<T> sink) {
    SinkOutput<?> out = outputs.get(sink);
    if (out == null) {
      throw new IllegalArgumentException(sink + " is not an output of the aborted dataflow");
    }
    return (SinkOutput<T>) out;
  }

  /** The items {@code sink} had received when the run stopped. */
  public <T> List<T> items(TestSink<T> sink) {
    return output(sink).items();
  }
}
