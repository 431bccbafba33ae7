package io.sluice.peers.nexmark;

import java.util.Objects;

/** A NEXMark bid on an auction. A Flink POJO. */
public class Bid {
  public long auction;
  public long bidder;
  /** In cents (US dollars, or euros after Q1). */
  public long price;
  public String channel;
  public String url;
  /** Event time, epoch ms. */
  public long dateTime;
  public String extra;

  public Bid() {}

  public Bid(long auction, long bidder, long price, String channel, String url, long dateTime, String extra) {
    this.auction = auction;
    this.bidder = bidder;
    this.price = price;
    this.channel = channel;
    this.url = url;
    this.dateTime = dateTime;
    this.extra = extra;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Bid b && auction == b.auction && bidder == b.bidder && price == b.price
        && dateTime == b.dateTime && Objects.equals(channel, b.channel) && Objects.equals(url, b.url)
        && Objects.equals(extra, b.extra);
  }

  @Override
  public int hashCode() {
    return (Long.hashCode(auction) * 31 + Long.hashCode(bidder)) * 31 + Long.hashCode(dateTime);
  }

  @Override
  public String toString() {
    return "Bid{" + auction + "," + bidder + "," + price + "," + channel + "," + url + "," + dateTime + "}";
  }
}
