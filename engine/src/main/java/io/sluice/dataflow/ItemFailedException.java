package io.sluice.dataflow;

/**
 * Names the item that user code failed on inside a batch. Per-item operators ({@code map},
 * {@code filter}, ...) throw it around the user's exception; a {@link BatchMapper} may throw it
 * too. The runtime reports it as a {@code StepFailedException} naming step, worker and this item.
 */
public final class ItemFailedException extends RuntimeException {
  private final transient Object item;

  public ItemFailedException(Object item, Throwable cause) {
    super(cause);
    this.item = item;
  }

  /** The item being processed when the user's code threw. */
  public Object item() {
    return item;
  }
}
