package io.sluice.aeron;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.agrona.ErrorHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A media driver's error handler: logs the first error of each kind (exception type and message
 * up to its first digit, so that errors differing only in a length or position count as one kind)
 * and counts the rest. A driver reports an error per bad datagram, so without this a stream of
 * garbage sent to a cluster's port would write the log full.
 */
final class DriverErrors implements ErrorHandler {
  private static final Logger LOG = LoggerFactory.getLogger(DriverErrors.class);
  private static final int MAX_KINDS = 64;
  private final String name;
  private final Set<String> seen = ConcurrentHashMap.newKeySet();
  private final AtomicLong count = new AtomicLong();

  DriverErrors(String name) {
    this.name = name;
  }

  @Override
  public void onError(Throwable t) {
    count.incrementAndGet();
    String msg = String.valueOf(t.getMessage());
    int digit = 0;
    while (digit < msg.length() && !Character.isDigit(msg.charAt(digit))) {
      digit++;
    }
    String kind = t.getClass().getName() + ":" + msg.substring(0, digit);
    if (seen.size() < MAX_KINDS && seen.add(kind)) {
      LOG.warn("{}: {} (further errors of this kind are counted, not logged)", name, t.toString());
    }
  }

  long count() {
    return count.get();
  }
}
