package io.sluice.peers.nexmark;

/** Q2's output: a bid's auction and price. A Flink POJO. */
public class AuctionPrice {
  public long auction;
  public long price;

  public AuctionPrice() {}

  public AuctionPrice(long auction, long price) {
    this.auction = auction;
    this.price = price;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AuctionPrice a && auction == a.auction && price == a.price;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(auction) * 31 + Long.hashCode(price);
  }

  @Override
  public String toString() {
    return "AuctionPrice{" + auction + "," + price + "}";
  }
}
