package io.sluice.peers.nexmark;

/**
 * The NEXMark queries' per-event logic, shared by the Sluice and the Flink versions so both engines
 * compute exactly the same thing:
 * <ul>
 *   <li>Q0 pass-through: every event.</li>
 *   <li>Q1 currency conversion: every bid, its price in euros ({@code price × 89 / 100}, integer
 *       cents, as the Beam suite computes it).</li>
 *   <li>Q2 selection: the auction and price of bids on auctions whose id is a multiple of 123.</li>
 *   <li>Q3 local item suggestion: every auction in category 10 whose seller lives in OR, ID or CA,
 *       as (seller name, city, state, auction id): an incremental join of persons and auctions on
 *       person id = seller, in either arrival order.</li>
 * </ul>
 * The windowed queries, on event time (each event's {@code dateTime}), windows aligned to the epoch
 * (so to {@link Generator#BASE_TIME}), sizes chosen so that 20,000 events (2 s of event time) give
 * tens of windows:
 * <ul>
 *   <li>Q5 hot items: sliding windows of {@value #Q5_LENGTH_MS} ms every {@value #Q5_SLIDE_MS} ms over
 *       the bids; per window, the number of bids per auction, and the auction(s) with the largest
 *       count, ties all kept ({@link AuctionCount}, with the window's start).</li>
 *   <li>Q7 highest bid: tumbling windows of {@value #Q7_LENGTH_MS} ms; every bid whose price is the
 *       largest of its window (ties all kept). Computed in two stages, the maximum per window of
 *       {@value #Q7_FANOUT} partial maxima (bids split by auction id), as Beam's Query7 takes its
 *       global maximum with a fan-out.</li>
 *   <li>Q8 monitor new users: tumbling windows of {@value #Q8_LENGTH_MS} ms; each person who opened
 *       an auction in the window they registered in: a window join of persons (by id) and auctions
 *       (by seller), one {@link IdNameReserve} per (person, auction) pair, as Beam's Query8.</li>
 * </ul>
 */
public final class Queries {
  private Queries() {}

  public static final int Q2_AUCTION_SKIP = 123;
  public static final long Q3_CATEGORY = 10;
  public static final long Q5_LENGTH_MS = 500;
  public static final long Q5_SLIDE_MS = 100;
  public static final long Q7_LENGTH_MS = 100;
  public static final int Q7_FANOUT = 16;
  public static final long Q8_LENGTH_MS = 200;

  /** Whether {@code query} is one of the windowed queries (5, 7, 8). */
  public static boolean windowed(int query) {
    return query == 5 || query == 7 || query == 8;
  }

  /** An event's event time, epoch ms. */
  public static long timeOf(Event e) {
    return e.bid != null ? e.bid.dateTime : e.auction != null ? e.auction.dateTime : e.person.dateTime;
  }

  /**
   * How far out of timestamp order (ms of event time) the windowed queries' clocks let events be:
   * four epochs of the interleaved sources, an epoch being one chunk of {@code chunk} events from
   * each of {@code workers} workers. In Sluice each window step's input is aligned on epochs, so a
   * key's events are out of order by less than two epochs, and its event clock's watermark (the
   * largest timestamp minus this wait, plus the run's time since) runs at most one epoch ahead of
   * the run's time: nothing is late (see {@code SluiceNexmark.windowedFlow}). Flink's watermark
   * (bounded out-of-orderness) gets the same bound; there each subtask's events are in order, so
   * it only delays the windows.
   */
  public static long outOfOrdernessMillis(Generator gen, int workers, int chunk) {
    return 4L * workers * chunk * gen.interEventMicros() / 1000 + 1;
  }

  /**
   * The wait of Sluice's second-stage clocks (Q5, Q7: the maximum per window over the first stage's
   * results, keyed by window): twice {@link #outOfOrdernessMillis}. The first stage's keys close a
   * window within a few epochs of each other, and a second-stage key's watermark starts from the
   * first result it sees. (Flink needs no second wait: its watermark is global, the minimum over
   * every input.)
   */
  public static long secondStageWaitMillis(Generator gen, int workers, int chunk) {
    return 2 * outOfOrdernessMillis(gen, workers, chunk);
  }

  /** Q8's rows of one window and person id: one per (person, auction) pair. */
  public static IdNameReserve q8Out(Person p, Auction a) {
    return new IdNameReserve(p.id, p.name, a.reserve);
  }

  public static Bid q1(Bid b) {
    return new Bid(b.auction, b.bidder, b.price * 89 / 100, b.channel, b.url, b.dateTime, b.extra);
  }

  public static boolean q2(Event e) {
    return e.bid != null && e.bid.auction % Q2_AUCTION_SKIP == 0;
  }

  public static boolean q3Input(Event e) {
    if (e.person != null) {
      String s = e.person.state;
      return "OR".equals(s) || "ID".equals(s) || "CA".equals(s);
    }
    return e.auction != null && e.auction.category == Q3_CATEGORY;
  }

  /** Q3's join key: the person's id, or the auction's seller. */
  public static long q3Key(Event e) {
    return e.person != null ? e.person.id : e.auction.seller;
  }

  public static NameCityStateId q3Out(Person p, Auction a) {
    return new NameCityStateId(p.name, p.city, p.state, a.id);
  }
}
