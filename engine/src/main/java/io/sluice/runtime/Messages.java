package io.sluice.runtime;

import java.util.List;

/** What travels through an exchange channel, in order: data batches, then one end-of-stream marker. */
final class Messages {
  private Messages() {}

  /** A batch of items read in {@code epoch}. */
  record Batch(long epoch, List<Object> items) {}

  /** The sending worker's input for this exchange has ended. */
  static final Object EOF = new Object() {
    @Override
    public String toString() {
      return "EOF";
    }
  };
}
