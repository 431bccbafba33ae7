package io.sluice.windowing;

/**
 * What the window step emits before it is split into down, late and meta: {@code kind} 'E'
 * (emitted), 'L' (late) or 'M' (metadata).
 */
record WindowEvent(char kind, long windowId, Object value) implements java.io.Serializable {
  static final char EMIT = 'E';
  static final char LATE = 'L';
  static final char META = 'M';
}
