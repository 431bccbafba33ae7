package io.sluice.dataflow;

/**
 * What a join keeps of the values one side sends for a key (Bytewax's {@code JoinInsertMode}).
 * Used by {@link KeyedStream#join(String, KeyedStream, JoinInsertMode, JoinMode)},
 * {@link KeyedStream#join(String, java.util.List, JoinInsertMode, JoinMode)} and
 * {@code joinWindow}.
 */
public enum JoinInsertMode {
  /** Only the side's first value (until the state is cleared, in {@link JoinMode#COMPLETE}). */
  FIRST,
  /** Only the side's latest value. */
  LAST,
  /** Every value: a row for every combination of the sides' values (a SQL cross join). */
  PRODUCT
}
