package io.sluice.runtime;

import java.util.concurrent.atomic.AtomicLong;
import org.agrona.concurrent.OneToOneConcurrentArrayQueue;

/**
 * A channel bounded in items as well as in messages ({@code RunConfig.channelItems}): it refuses a
 * message while it holds {@code maxItems} or more items, so it holds at most {@code maxItems - 1}
 * items plus one batch. End-of-stream and progress markers count as messages, not items.
 * One producer, one consumer, like the queue it extends.
 */
final class ItemBoundedQueue extends OneToOneConcurrentArrayQueue<Object> {
  private final int maxItems;
  /** Items offered minus items polled; briefly negative when the consumer polls before the producer counts. */
  private final AtomicLong items = new AtomicLong();

  ItemBoundedQueue(int messages, int maxItems) {
    super(messages);
    this.maxItems = maxItems;
  }

  @Override
  public boolean offer(Object message) {
    if (items.get() >= maxItems || !super.offer(message)) {
      return false;
    }
    if (message instanceof Messages.Batch b) {
      items.getAndAdd(b.items().size());
    }
    return true;
  }

  @Override
  public Object poll() {
    Object m = super.poll();
    if (m instanceof Messages.Batch b) {
      items.getAndAdd(-b.items().size());
    }
    return m;
  }

  @Override
  public int remainingCapacity() {
    return items.get() >= maxItems ? 0 : super.remainingCapacity();
  }

  /** Items held now. */
  long items() {
    return items.get();
  }
}
