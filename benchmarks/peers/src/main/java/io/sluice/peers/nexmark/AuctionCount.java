package io.sluice.peers.nexmark;

/**
 * Q5's output: an auction with the most bids in one sliding window, its bid count, and the window's
 * start (epoch ms). A Flink POJO.
 */
public class AuctionCount {
  public long windowStart;
  public long auction;
  public long count;

  public AuctionCount() {}

  public AuctionCount(long windowStart, long auction, long count) {
    this.windowStart = windowStart;
    this.auction = auction;
    this.count = count;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AuctionCount a && windowStart == a.windowStart && auction == a.auction && count == a.count;
  }

  @Override
  public int hashCode() {
    return (Long.hashCode(windowStart) * 31 + Long.hashCode(auction)) * 31 + Long.hashCode(count);
  }

  @Override
  public String toString() {
    return "AuctionCount{" + windowStart + "," + auction + "," + count + "}";
  }
}
