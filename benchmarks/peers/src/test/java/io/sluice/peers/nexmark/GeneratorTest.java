package io.sluice.peers.nexmark;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The generator is deterministic and keeps NEXMark's proportions and id rules. */
class GeneratorTest {

  @Test
  void sameSeedSameEventsAnyOrder() {
    Generator a = new Generator(1);
    Generator b = new Generator(1);
    for (long n = 4_999; n >= 0; n--) {
      assertThat(a.event(n)).isEqualTo(b.event(n));
    }
    assertThat(new Generator(2).event(10)).isNotEqualTo(a.event(10));
  }

  @Test
  void proportionsAndIds() {
    Generator g = new Generator(3);
    int persons = 0;
    int auctions = 0;
    int bids = 0;
    long nextPerson = Generator.FIRST_PERSON_ID;
    long nextAuction = Generator.FIRST_AUCTION_ID;
    Set<String> states = new HashSet<>();
    for (long n = 0; n < 50_000; n++) {
      Event e = g.event(n);
      assertThat(Generator.kind(n)).isEqualTo(e.person != null ? 0 : e.auction != null ? 1 : 2);
      if (e.person != null) {
        persons++;
        assertThat(e.person.id).isEqualTo(nextPerson++);
        states.add(e.person.state);
      } else if (e.auction != null) {
        auctions++;
        assertThat(e.auction.id).isEqualTo(nextAuction++);
        assertThat(e.auction.seller).isBetween(Generator.FIRST_PERSON_ID, nextPerson - 1 + Generator.PERSON_ID_LEAD);
        assertThat(e.auction.category).isBetween(10L, 14L);
        assertThat(e.auction.reserve).isGreaterThan(e.auction.initialBid);
      } else {
        bids++;
        assertThat(e.bid.auction).isLessThanOrEqualTo(nextAuction + Generator.AUCTION_ID_LEAD);
        assertThat(e.bid.price).isBetween(100L, 100_000_000L);
      }
    }
    assertThat(persons).isEqualTo(1_000);
    assertThat(auctions).isEqualTo(3_000);
    assertThat(bids).isEqualTo(46_000);
    assertThat(states).containsExactlyInAnyOrder(Generator.US_STATES);
    assertThat(g.event(50).person.dateTime - g.event(0).person.dateTime).isEqualTo(5); // 10,000 events/s
  }
}
