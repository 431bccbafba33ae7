package io.sluice.inputs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.LinkedList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Routing.identity: keys compare by class and routing bytes; plain keys are their own identity. */
class KeyIdentityUnitTest {
  record Plain(String name, int n, UUID id) {}

  record WithBytes(String name, byte[] id) {}

  record Loose(String name) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Loose l && l.name.equalsIgnoreCase(name);
    }

    @Override
    public int hashCode() {
      return name.toLowerCase().hashCode();
    }
  }

  @Test
  void plainKeysAreTheirOwnIdentity() {
    for (Object k : List.of("a", 1, 2L, UUID.randomUUID(), new Plain("p", 1, UUID.randomUUID()), List.of("x", 1))) {
      assertThat(Routing.identity(k)).isSameAs(k);
      assertThat(Routing.keyOf(k)).isSameAs(k);
    }
  }

  @Test
  void byteArraysAndRecordsHoldingThemCompareByContent() {
    byte[] a = {1, 2, 3};
    byte[] b = {1, 2, 3};
    assertThat(Routing.identity(a)).isEqualTo(Routing.identity(b)).hasSameHashCodeAs(Routing.identity(b));
    assertThat(Routing.identity(a)).isNotEqualTo(Routing.identity(new byte[] {1, 2}));
    assertThat(Routing.keyOf(Routing.identity(a))).isSameAs(a);
    assertThat(Routing.identity(Routing.identity(a))).isEqualTo(Routing.identity(a));
    assertThat(Routing.workerFor(Routing.identity(a), 7)).isEqualTo(Routing.workerFor(b, 7));
    assertThat(Routing.identity(new WithBytes("w", a))).isEqualTo(Routing.identity(new WithBytes("w", b)));
    assertThat(Routing.identity(new ArrayList<>(List.of(a)))).isEqualTo(Routing.identity(new LinkedList<>(List.of(b))));
  }

  @Test
  void aRecordWithItsOwnEqualsComparesByItsRoutingBytes() {
    assertThat(Routing.identity(new Loose("a"))).isNotEqualTo(Routing.identity(new Loose("A")));
    assertThat(Routing.identity(new Loose("a"))).isEqualTo(Routing.identity(new Loose("a")));
  }

  @Test
  void equalBytesOfDifferentClassesAreDifferentKeys() {
    // "a" as a String and as a single-element byte[] have the same bytes, not the same identity
    assertThat(Routing.identity(new byte[] {'a'})).isNotEqualTo(Routing.identity("a"));
  }

  @Test
  void nullAndUnroutableKeysAreRefusedSayingWhatToDo() {
    assertThatThrownBy(() -> Routing.identity(null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must not be null").hasMessageContaining("filter those items out");
    assertThatThrownBy(() -> Routing.identity(new Object())).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no stable routing form");
  }
}
