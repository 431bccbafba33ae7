package io.sluice.peers.nexmark;

import java.util.Objects;

/** A NEXMark auction: an item put up for sale by a seller (a person). A Flink POJO. */
public class Auction {
  public long id;
  public String itemName;
  public String description;
  public long initialBid;
  public long reserve;
  /** Event time, epoch ms. */
  public long dateTime;
  /** When the auction closes, epoch ms. */
  public long expires;
  public long seller;
  public long category;
  public String extra;

  public Auction() {}

  public Auction(long id, String itemName, String description, long initialBid, long reserve, long dateTime,
      long expires, long seller, long category, String extra) {
    this.id = id;
    this.itemName = itemName;
    this.description = description;
    this.initialBid = initialBid;
    this.reserve = reserve;
    this.dateTime = dateTime;
    this.expires = expires;
    this.seller = seller;
    this.category = category;
    this.extra = extra;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Auction a && id == a.id && initialBid == a.initialBid && reserve == a.reserve
        && dateTime == a.dateTime && expires == a.expires && seller == a.seller && category == a.category
        && Objects.equals(itemName, a.itemName) && Objects.equals(description, a.description)
        && Objects.equals(extra, a.extra);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(id) * 31 + Long.hashCode(dateTime);
  }

  @Override
  public String toString() {
    return "Auction{" + id + "," + itemName + "," + initialBid + "," + reserve + "," + dateTime + "," + expires + ","
        + seller + "," + category + "}";
  }
}
