package io.sluice.dataflow;

/** What a {@link StatefulLogic} wants done with its key's state after a call. */
public enum Retention {
  /** Keep the logic (and its state) for this key. */
  RETAIN,
  /** Drop the logic for this key; the next item for the key builds a new one. */
  DISCARD
}
