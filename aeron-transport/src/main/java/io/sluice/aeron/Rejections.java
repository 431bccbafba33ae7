package io.sluice.aeron;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a process does with what it may not trust: messages from senders that have not proven they
 * are members of this cluster run (an unknown Aeron session, a hello without a valid proof, a
 * message for another process). Each is dropped and counted; the first one is logged, the others
 * only counted, so that a flood of garbage cannot flood the log. Nothing of a dropped message is
 * used, and nothing is allocated for it beyond the bytes Aeron already holds.
 */
final class Rejections {
  private static final Logger LOG = LoggerFactory.getLogger(Rejections.class);
  private final int process;
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicBoolean logged = new AtomicBoolean();

  Rejections(int process) {
    this.process = process;
  }

  /** Drops one message; {@code why} says what it was and why it is not trusted. */
  void drop(String why) {
    dropped.incrementAndGet();
    if (logged.compareAndSet(false, true)) {
      LOG.warn("process {} dropped a message it cannot trust: {}; further ones are dropped and counted without a log"
          + " line", process, why);
    }
  }

  long dropped() {
    return dropped.get();
  }
}
