package io.sluice.runtime;

import java.util.List;

/** What travels through an exchange channel, in order: data batches and progress markers, then one end-of-stream marker. */
final class Messages {
  private Messages() {}

  /** A batch of items read in {@code epoch}. */
  record Batch(long epoch, List<Object> items) {}

  /** The sender closed {@code epoch}: every item of it is ahead of this marker; the sender's time is {@code timeMillis}. */
  record Progress(long epoch, long timeMillis) {}

  /** The sending worker's input for this exchange has ended. */
  static final Object EOF = new Object() {
    @Override
    public String toString() {
      return "EOF";
    }
  };
}
