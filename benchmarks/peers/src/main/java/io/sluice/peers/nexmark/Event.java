package io.sluice.peers.nexmark;

/** One NEXMark event: exactly one of {@code person}, {@code auction}, {@code bid} is set. A Flink POJO. */
public class Event {
  public Person person;
  public Auction auction;
  public Bid bid;

  public Event() {}

  public Event(Person person, Auction auction, Bid bid) {
    this.person = person;
    this.auction = auction;
    this.bid = bid;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Event e && java.util.Objects.equals(person, e.person)
        && java.util.Objects.equals(auction, e.auction) && java.util.Objects.equals(bid, e.bid);
  }

  @Override
  public int hashCode() {
    return person != null ? person.hashCode() : auction != null ? auction.hashCode() : bid.hashCode();
  }

  @Override
  public String toString() {
    return person != null ? person.toString() : auction != null ? auction.toString() : String.valueOf(bid);
  }
}
