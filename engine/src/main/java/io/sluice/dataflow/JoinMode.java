package io.sluice.dataflow;

/** When {@link KeyedStream#join} emits a joined pair for a key. */
public enum JoinMode {
  /** As soon as both sides have a value; then the key's state is dropped. */
  COMPLETE,
  /** Once, at the end of the input, with whatever each side last held (a side may be null). */
  FINAL,
  /** Every time either side gets a value, with the latest of each side (a side may be null). */
  RUNNING
}
