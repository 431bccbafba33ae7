package io.sluice.dataflow;

/** When {@link KeyedStream#collect(String, int, java.time.Duration, CollectTimeout) collect}'s timeout starts. */
public enum CollectTimeout {
  /** Every value restarts the key's timeout: a list is emitted once its key has been quiet that long (Bytewax). */
  SINCE_LAST_VALUE,
  /** The timeout starts with a list's first value: no list waits longer than the timeout (what Sluice's collect did before it followed Bytewax). */
  SINCE_FIRST_VALUE
}
