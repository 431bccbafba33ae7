package io.sluice.dataflow;

import java.io.Serializable;
import java.util.Objects;

/**
 * An item whose user code threw, sent on to an error stream instead of stopping the run (the
 * {@code try*} operators of {@link Stream}: {@link Stream#tryMap}, {@link Stream#tryFlatMap},
 * {@link Stream#tryFilter}). Like Kafka Streams' processing-exception handler answering
 * {@code CONTINUE}, but the failed records are not lost: the error stream is an ordinary stream, so
 * a flow can write it anywhere (a dead-letter Kafka topic, a file, a test sink).
 *
 * @param item   the item the user code threw on, as it arrived at the step
 * @param stepId the step's id
 * @param worker the global index of the worker it failed on
 * @param error  what the user code threw
 * @param <T>    the item type
 */
public record StepError<T>(T item, String stepId, int worker, Throwable error) implements Serializable {
  public StepError {
    Objects.requireNonNull(stepId, "stepId");
    Objects.requireNonNull(error, "error");
  }

  /** One line for logs and dead-letter records: step, worker, the error and the item (truncated). */
  public String describe() {
    String shown = String.valueOf(item);
    if (shown.length() > 200) {
      shown = shown.substring(0, 200) + "...";
    }
    return "step '" + stepId + "' on worker " + worker + ": " + error + " processing item " + shown;
  }

  @Override
  public String toString() {
    return "StepError[" + describe() + "]";
  }
}
