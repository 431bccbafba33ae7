package io.sluice.dataflow;

/** A dataflow is not valid: thrown while it is built or before it runs, naming the step at fault. */
public final class FlowValidationException extends IllegalArgumentException {
  public FlowValidationException(String message) {
    super(message);
  }
}
