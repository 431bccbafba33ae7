package io.sluice.peers.nexmark;

import java.util.SplittableRandom;

/**
 * A deterministic NEXMark event generator, after the model of the NEXMark benchmark (Tucker et al.)
 * as the Apache Beam and Flink NEXMark suites implement it; our own code.
 *
 * <p>Event {@code n} (0-based) is a function of {@code (seed, n)} alone, so any worker can generate
 * any share of the stream, in any order, and two engines see the same events:
 * <ul>
 *   <li>Kind, by {@code n mod 50}: 0 → person, 1–3 → auction, 4–49 → bid (proportions 1 : 3 : 46).</li>
 *   <li>Ids: persons and auctions are numbered in order of appearance from 1000; the k-th person of
 *       the stream has id 1000 + k.</li>
 *   <li>A bid's auction: with probability 1/2 the newest "hot" auction (the last auction id
 *       rounded down to an even number), else one of the 100 newest auctions (or up to 10 not
 *       yet created). Its bidder: with probability 3/4 a hot bidder (the last person id rounded
 *       down to a multiple of 4), else one of the 1,000 newest persons (or up to 10 ahead).</li>
 *   <li>An auction's seller: with probability 3/4 a hot seller, else one of the newest persons,
 *       as for bidders; its category is 10 + uniform(0..4); initial bid a price, reserve the
 *       initial bid plus another price; it expires 10–30 s (event time) after it starts.</li>
 *   <li>A price: {@code round(10^(6u) × 100)} cents for uniform {@code u} in [0, 1).</li>
 *   <li>A person: first and last name, city and state from the benchmark's fixed lists, an
 *       e-mail address and a 16-digit credit card number of random characters.</li>
 *   <li>Event time: {@code BASE_TIME + n × interEventMicros / 1000} ms (default 10,000 events/s).</li>
 * </ul>
 * The {@code extra} padding fields are empty (the suites' optional size padding is off).
 */
public final class Generator implements java.io.Serializable {
  private static final long serialVersionUID = 1L;
  public static final int PERSON_PROPORTION = 1;
  public static final int AUCTION_PROPORTION = 3;
  public static final int BID_PROPORTION = 46;
  public static final int TOTAL_PROPORTION = PERSON_PROPORTION + AUCTION_PROPORTION + BID_PROPORTION;
  public static final long FIRST_PERSON_ID = 1000;
  public static final long FIRST_AUCTION_ID = 1000;
  public static final long FIRST_CATEGORY_ID = 10;
  public static final int NUM_CATEGORIES = 5;
  public static final long BASE_TIME = 1_767_225_600_000L; // 2026-01-01T00:00:00Z
  static final int ACTIVE_PEOPLE = 1000;
  static final int IN_FLIGHT_AUCTIONS = 100;
  static final int PERSON_ID_LEAD = 10;
  static final int AUCTION_ID_LEAD = 10;
  static final int HOT_AUCTION_RATIO = 2;
  static final int HOT_BIDDER_RATIO = 4;
  static final int HOT_SELLER_RATIO = 4;

  static final String[] US_STATES = {"AZ", "CA", "ID", "OR", "WA", "WY"};
  static final String[] US_CITIES = {"Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend",
      "Redmond", "Seattle", "Kent", "Cheyenne"};
  static final String[] FIRST_NAMES = {"Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah",
      "Deiter", "Walter"};
  static final String[] LAST_NAMES = {"Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones",
      "Noris"};
  static final String[] CHANNELS = {"Google", "Facebook", "Baidu", "Apple"};
  private static final String[] URLS = new String[CHANNELS.length];

  static {
    for (int i = 0; i < CHANNELS.length; i++) {
      URLS[i] = "https://www.nexmark.com/" + CHANNELS[i].toLowerCase(java.util.Locale.ROOT) + "/item.htm?query=1";
    }
  }

  private final long seed;
  private final long interEventMicros;

  /** Events at {@code eventsPerSecond} of event time. */
  public Generator(long seed, long eventsPerSecond) {
    if (eventsPerSecond < 1 || eventsPerSecond > 1_000_000) {
      throw new IllegalArgumentException("events per second must be 1..1,000,000, got " + eventsPerSecond);
    }
    this.seed = seed;
    this.interEventMicros = 1_000_000 / eventsPerSecond;
  }

  /** 10,000 events per second of event time. */
  public Generator(long seed) {
    this(seed, 10_000);
  }

  /** The event time of event {@code n}, epoch ms: {@code BASE_TIME + n × interEventMicros / 1000}. */
  public long timeOf(long n) {
    return BASE_TIME + n * interEventMicros / 1000;
  }

  /** Microseconds of event time between two events. */
  public long interEventMicros() {
    return interEventMicros;
  }

  /** Event {@code n} of the stream. */
  public Event event(long n) {
    SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + n);
    long time = timeOf(n);
    long rem = n % TOTAL_PROPORTION;
    if (rem < PERSON_PROPORTION) {
      return new Event(person(n, r, time), null, null);
    } else if (rem < PERSON_PROPORTION + AUCTION_PROPORTION) {
      return new Event(null, auction(n, r, time), null);
    }
    return new Event(null, null, bid(n, r, time));
  }

  /** Whether event {@code n} is a person, an auction or a bid: 0, 1, 2. */
  public static int kind(long n) {
    long rem = n % TOTAL_PROPORTION;
    return rem < PERSON_PROPORTION ? 0 : rem < PERSON_PROPORTION + AUCTION_PROPORTION ? 1 : 2;
  }

  /** The 0-based number of the last person at or before event {@code n}. */
  static long lastBase0PersonId(long n) {
    long epoch = n / TOTAL_PROPORTION;
    long offset = n % TOTAL_PROPORTION;
    if (offset >= PERSON_PROPORTION) {
      offset = PERSON_PROPORTION - 1;
    }
    return epoch * PERSON_PROPORTION + offset;
  }

  /** The 0-based number of the last auction at or before event {@code n} (-1 before the first). */
  static long lastBase0AuctionId(long n) {
    long epoch = n / TOTAL_PROPORTION;
    long offset = n % TOTAL_PROPORTION;
    if (offset < PERSON_PROPORTION) {
      epoch--;
      offset = AUCTION_PROPORTION - 1;
    } else if (offset >= PERSON_PROPORTION + AUCTION_PROPORTION) {
      offset = AUCTION_PROPORTION - 1;
    } else {
      offset -= PERSON_PROPORTION;
    }
    return epoch * AUCTION_PROPORTION + offset;
  }

  private static long nextBase0PersonId(long n, SplittableRandom r) {
    long people = lastBase0PersonId(n) + 1;
    long active = Math.min(people, ACTIVE_PEOPLE);
    return people - active + r.nextLong(active + PERSON_ID_LEAD);
  }

  private static long nextBase0AuctionId(long n, SplittableRandom r) {
    long min = Math.max(lastBase0AuctionId(n) - IN_FLIGHT_AUCTIONS, 0);
    long max = lastBase0AuctionId(n) + 1 + AUCTION_ID_LEAD;
    return min + r.nextLong(max - min + 1);
  }

  private static long price(SplittableRandom r) {
    return Math.round(Math.pow(10.0, r.nextDouble() * 6.0) * 100.0);
  }

  private static String string(SplittableRandom r, int length) {
    char[] c = new char[length];
    for (int i = 0; i < length; i++) {
      c[i] = (char) ('a' + r.nextInt(26));
    }
    return new String(c);
  }

  private static String digits(SplittableRandom r, int groups) {
    StringBuilder sb = new StringBuilder(groups * 5);
    for (int g = 0; g < groups; g++) {
      if (g > 0) {
        sb.append(' ');
      }
      for (int i = 0; i < 4; i++) {
        sb.append((char) ('0' + r.nextInt(10)));
      }
    }
    return sb.toString();
  }

  private static Person person(long n, SplittableRandom r, long time) {
    long id = lastBase0PersonId(n) + FIRST_PERSON_ID;
    String name = FIRST_NAMES[r.nextInt(FIRST_NAMES.length)] + " " + LAST_NAMES[r.nextInt(LAST_NAMES.length)];
    String email = string(r, 7) + "@" + string(r, 5) + ".com";
    int city = r.nextInt(US_CITIES.length);
    String state = US_STATES[r.nextInt(US_STATES.length)];
    return new Person(id, name, email, digits(r, 4), US_CITIES[city], state, time, "");
  }

  private static Auction auction(long n, SplittableRandom r, long time) {
    long id = lastBase0AuctionId(n) + FIRST_AUCTION_ID;
    long seller = r.nextInt(HOT_SELLER_RATIO) > 0
        ? (lastBase0PersonId(n) / HOT_SELLER_RATIO) * HOT_SELLER_RATIO
        : nextBase0PersonId(n, r);
    long category = FIRST_CATEGORY_ID + r.nextInt(NUM_CATEGORIES);
    long initialBid = price(r);
    long reserve = initialBid + price(r);
    long expires = time + 10_000 + r.nextInt(20_000);
    return new Auction(id, string(r, 20), string(r, 40), initialBid, reserve, time, expires,
        seller + FIRST_PERSON_ID, category, "");
  }

  private static Bid bid(long n, SplittableRandom r, long time) {
    long auction = r.nextInt(HOT_AUCTION_RATIO) > 0
        ? (lastBase0AuctionId(n) / HOT_AUCTION_RATIO) * HOT_AUCTION_RATIO
        : nextBase0AuctionId(n, r);
    long bidder = r.nextInt(HOT_BIDDER_RATIO) > 0
        ? (lastBase0PersonId(n) / HOT_BIDDER_RATIO) * HOT_BIDDER_RATIO
        : nextBase0PersonId(n, r);
    int channel = r.nextInt(CHANNELS.length);
    return new Bid(auction + FIRST_AUCTION_ID, bidder + FIRST_PERSON_ID, price(r), CHANNELS[channel], URLS[channel],
        time, "");
  }
}
