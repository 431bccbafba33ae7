package io.sluice.peers.nexmark;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Q5, Q7 and Q8 computed directly from the events in one loop, without a streaming engine: the
 * expected outputs that both engines' results are compared with.
 */
final class NexmarkReference {
  private NexmarkReference() {}

  static List<Object> windowed(int query, Generator gen, long events) {
    return switch (query) {
      case 5 -> q5(gen, events);
      case 7 -> q7(gen, events);
      case 8 -> q8(gen, events);
      default -> throw new IllegalArgumentException("query " + query);
    };
  }

  private static List<Object> q5(Generator gen, long events) {
    long len = Queries.Q5_LENGTH_MS;
    long slide = Queries.Q5_SLIDE_MS;
    Map<Long, Map<Long, Long>> counts = new TreeMap<>(); // window start -> auction -> bids
    for (long n = 0; n < events; n++) {
      Bid b = gen.event(n).bid;
      if (b == null) {
        continue;
      }
      for (long start = Math.floorDiv(b.dateTime, slide) * slide; start > b.dateTime - len; start -= slide) {
        counts.computeIfAbsent(start, s -> new HashMap<>()).merge(b.auction, 1L, Long::sum);
      }
    }
    List<Object> out = new ArrayList<>();
    counts.forEach((start, byAuction) -> {
      long max = byAuction.values().stream().mapToLong(Long::longValue).max().orElseThrow();
      byAuction.forEach((auction, count) -> {
        if (count == max) {
          out.add(new AuctionCount(start, auction, count));
        }
      });
    });
    return out;
  }

  private static List<Object> q7(Generator gen, long events) {
    long len = Queries.Q7_LENGTH_MS;
    Map<Long, List<Bid>> windows = new TreeMap<>();
    for (long n = 0; n < events; n++) {
      Bid b = gen.event(n).bid;
      if (b != null) {
        windows.computeIfAbsent(Math.floorDiv(b.dateTime, len), w -> new ArrayList<>()).add(b);
      }
    }
    List<Object> out = new ArrayList<>();
    for (List<Bid> bids : windows.values()) {
      long max = bids.stream().mapToLong(b -> b.price).max().orElseThrow();
      bids.stream().filter(b -> b.price == max).forEach(out::add);
    }
    return out;
  }

  private static List<Object> q8(Generator gen, long events) {
    long len = Queries.Q8_LENGTH_MS;
    Map<Long, Map<Long, Person>> persons = new HashMap<>(); // window -> id -> person
    Map<Long, List<Auction>> auctions = new HashMap<>(); // window -> auctions
    for (long n = 0; n < events; n++) {
      Event e = gen.event(n);
      if (e.person != null) {
        persons.computeIfAbsent(Math.floorDiv(e.person.dateTime, len), w -> new HashMap<>()).put(e.person.id, e.person);
      } else if (e.auction != null) {
        auctions.computeIfAbsent(Math.floorDiv(e.auction.dateTime, len), w -> new ArrayList<>()).add(e.auction);
      }
    }
    List<Object> out = new ArrayList<>();
    auctions.forEach((window, list) -> {
      Map<Long, Person> ps = persons.getOrDefault(window, Map.of());
      for (Auction a : list) {
        Person p = ps.get(a.seller);
        if (p != null) {
          out.add(Queries.q8Out(p, a));
        }
      }
    });
    return out;
  }
}
