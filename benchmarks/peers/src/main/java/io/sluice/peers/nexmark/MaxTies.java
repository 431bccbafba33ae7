package io.sluice.peers.nexmark;

import java.util.ArrayList;
import java.util.List;

/**
 * The largest value seen and every item that has it (ties are all kept, as Beam's Query5 keeps all
 * auctions with the maximal count and its Query7 every bid at the maximal price): the accumulator
 * of Q5's and Q7's "maximum per window" in both engines. {@link #windowStart} carries the window of
 * a partial result from the first stage to the second. A Flink POJO; mutable, owned by one window.
 *
 * @param <T> the items
 */
public class MaxTies<T> {
  /** The largest value so far ({@code Long.MIN_VALUE} while empty). */
  public long max = Long.MIN_VALUE;
  /** The items whose value is {@link #max}, in the order they came. */
  public List<T> items = new ArrayList<>(2);
  /** The window this result belongs to (epoch ms), once the first stage has set it. */
  public long windowStart;

  public MaxTies() {}

  /** Adds {@code item} of value {@code value}; returns this. */
  public MaxTies<T> add(T item, long value) {
    if (value > max) {
      max = value;
      items.clear();
      items.add(item);
    } else if (value == max) {
      items.add(item);
    }
    return this;
  }

  /** Takes in another accumulator of the same window; returns this. */
  public MaxTies<T> merge(MaxTies<T> other) {
    if (other.items.isEmpty()) {
      return this;
    }
    if (other.max > max) {
      max = other.max;
      items = new ArrayList<>(other.items);
    } else if (other.max == max) {
      items.addAll(other.items);
    }
    return this;
  }

  /** This accumulator with its window set. */
  public MaxTies<T> inWindow(long windowStart) {
    this.windowStart = windowStart;
    return this;
  }

  @Override
  public String toString() {
    return "MaxTies{" + windowStart + "," + max + "," + items + "}";
  }
}
