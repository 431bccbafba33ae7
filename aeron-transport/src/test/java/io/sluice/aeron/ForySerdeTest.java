package io.sluice.aeron;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.dataflow.Joined;
import io.sluice.dataflow.KV;
import io.sluice.serde.Serde;
import io.sluice.serde.SerdeException;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.fory.Fory;
import org.apache.fory.config.Language;
import org.junit.jupiter.api.Test;

class ForySerdeTest {
  record Reading(String sensor, long ts, double value) {}

  record Unlisted(int n) {}

  enum Color { RED, GREEN }

  /** A plain class without a no-arg constructor and with private final fields. */
  static final class Account {
    private final String id;
    private final Map<String, Long> balances;

    Account(String id, Map<String, Long> balances) {
      this.id = id;
      this.balances = balances;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Account a && a.id.equals(id) && a.balances.equals(balances);
    }

    @Override
    public int hashCode() {
      return id.hashCode();
    }
  }

  /** Stands for a gadget class: counts every instance created. */
  static final class Gadget {
    static final AtomicInteger CREATED = new AtomicInteger();
    String command = "boom";

    Gadget() {
      CREATED.incrementAndGet();
    }
  }

  private final ForySerde serde = new ForySerde(
      List.of(Reading.class.getName(), Color.class.getName(), Account.class.getName()));

  @Test
  void roundTripsBatchesOfRegisteredAndBuiltInTypes() throws Exception {
    Class<?> side = Class.forName("io.sluice.dataflow.StatefulLogics$Side");
    var ctor = side.getDeclaredConstructor(int.class, Object.class);
    ctor.setAccessible(true);
    Object sideItem = ctor.newInstance(1, "right");
    List<Object> batch = new ArrayList<>(List.of(
        new Reading("s1", 17L, 2.5), KV.of("k", 3L), new Joined<>("l", null), sideItem, Color.GREEN,
        new Account("a", new TreeMap<>(Map.of("eur", 5L))), "text", 1, 2L, 3.0, 4.0f, (short) 5, (byte) 6, 'c', true,
        new byte[] {1, 2, 3}, new long[] {7, 8}, new String[] {"x"},
        List.of(), List.of(1), List.of(1, 2, 3), Set.of("a"), Set.of("a", "b", "c"), Map.of("a", 1), Map.of("a", 1, "b", 2),
        new HashMap<>(Map.of("h", 1)), new LinkedHashMap<>(Map.of("l", 2)), Arrays.asList("p", "q"),
        Collections.emptyList(), Collections.singletonList("one"), Collections.emptyMap(),
        Instant.ofEpochSecond(1_700_000_000L, 5), Duration.ofMillis(1500), LocalDate.of(2026, 11, 25),
        new BigDecimal("12.340"), UUID.randomUUID(), Optional.of("o"), KV.of(List.of(new Reading("n", 1, 1)), Optional.empty())));
    Object back = serde.deserialize(serde.serialize(batch));
    assertThat(back).isInstanceOf(ArrayList.class);
    List<?> items = (List<?>) back;
    assertThat(items).hasSize(batch.size());
    for (int i = 0; i < batch.size(); i++) {
      Object expected = batch.get(i);
      if (expected instanceof byte[] b) {
        assertThat((byte[]) items.get(i)).containsExactly(b);
      } else if (expected instanceof long[] l) {
        assertThat((long[]) items.get(i)).containsExactly(l);
      } else if (expected instanceof String[] s) {
        assertThat((String[]) items.get(i)).containsExactly(s);
      } else {
        assertThat(items.get(i)).as("item %d", i).isEqualTo(expected);
      }
    }
  }

  @Test
  void serializersWithAndWithoutCodeGenerationReadEachOthersBytes() {
    List<String> types = List.of(Reading.class.getName(), Color.class.getName(), Account.class.getName());
    ForySerde generated = new ForySerde(types, true);
    ForySerde reflective = new ForySerde(types, false);
    List<Object> batch = new ArrayList<>(List.of(new Reading("s1", 17L, 2.5), KV.of("k", 3L), new Joined<>("l", null),
        Color.RED, new Account("a", new TreeMap<>(Map.of("eur", 5L))), KV.of(List.of(new Reading("n", 1, 1)), Color.GREEN),
        "text", 1, 2L, Instant.ofEpochSecond(1_700_000_000L, 5), new BigDecimal("12.340")));
    assertThat(reflective.deserialize(generated.serialize(batch))).isEqualTo(batch);
    assertThat(generated.deserialize(reflective.serialize(batch))).isEqualTo(batch);
    assertThat(reflective.serialize(batch)).containsExactly(generated.serialize(batch));
  }

  @Test
  void anInJvmClusterSharesOneSerdePerListOfRegisteredTypes() {
    Serde a = AeronTransport.inJvmSerde(List.of(Reading.class.getName(), Color.class.getName()));
    assertThat(AeronTransport.inJvmSerde(List.of(Color.class.getName(), Reading.class.getName(), Color.class.getName())))
        .isSameAs(a);
    assertThat(AeronTransport.inJvmSerde(List.of(Reading.class.getName()))).isNotSameAs(a);
    assertThatThrownBy(() -> a.serialize(new ArrayList<>(List.of(new Unlisted(1)))))
        .isInstanceOf(SerdeException.class)
        .hasMessageContaining("is not registered for crossing processes");
  }

  @Test
  void anUnregisteredTypeFailsNamingTheTypeAndTheFix() {
    assertThatThrownBy(() -> new ForySerde().serialize(new ArrayList<>(List.of(new Reading("s", 1, 1)))))
        .isInstanceOf(SerdeException.class)
        .hasMessageContaining(Reading.class.getName())
        .hasMessageContaining("Dataflow.registerTypes(");
    // nested inside a registered type, too
    assertThatThrownBy(() -> serde.serialize(new ArrayList<>(List.of(KV.of("k", new Unlisted(1))))))
        .isInstanceOf(SerdeException.class)
        .hasMessageContaining(Unlisted.class.getName())
        .hasMessageContaining("Dataflow.registerTypes(");
  }

  @Test
  void theTransportsDefaultSerdeIsThisOne() {
    assertThat(AeronTransport.defaultSerde(List.of(Reading.class.getName()))).isInstanceOf(ForySerde.class);
    assertThatThrownBy(() -> AeronTransport.defaultSerde(List.of("com.acme.events.")))
        .hasMessageContaining("is a package");
  }

  @Test
  void packagesAndMissingClassesAreRefusedWhenTheSerdeIsBuilt() {
    assertThatThrownBy(() -> new ForySerde(List.of("com.acme.events.")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'com.acme.events.' is a package")
        .hasMessageContaining("one by one");
    assertThatThrownBy(() -> new ForySerde(List.of("com.acme.Missing")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("com.acme.Missing is not on the class path");
  }

  @Test
  void bytesNamingAnUnregisteredClassCannotMakeTheReceiverCreateIt() {
    // a sender that writes unregistered classes by name, as an attacker could
    Fory permissive = Fory.builder().withLanguage(Language.JAVA).requireClassRegistration(false)
        .withRefTracking(false).build();
    byte[] byName = permissive.serialize(new ArrayList<>(List.of(new Gadget())));
    int before = Gadget.CREATED.get();
    assertThatThrownBy(() -> serde.deserialize(byName))
        .isInstanceOf(SerdeException.class)
        .hasMessageContaining(Gadget.class.getName().replace('$', '.'))
        .hasMessageContaining("not registered");
    assertThat(Gadget.CREATED.get()).isEqualTo(before);

    // ... or names it by a registration id the receiver does not have
    Fory other = Fory.builder().withLanguage(Language.JAVA).requireClassRegistration(true)
        .withRefTracking(false).build();
    other.register(Gadget.class, 500);
    byte[] byId = other.serialize(new ArrayList<>(List.of(new Gadget())));
    int before2 = Gadget.CREATED.get();
    assertThatThrownBy(() -> serde.deserialize(byId))
        .isInstanceOf(SerdeException.class);
    assertThat(Gadget.CREATED.get()).isEqualTo(before2);
  }

  @Test
  void aTypeRegisteredTwiceOrASluiceTypeRegisteredAgainIsFine() {
    ForySerde twice = new ForySerde(List.of(Reading.class.getName(), KV.class.getName(), Reading.class.getName()));
    List<Object> batch = new ArrayList<>(List.of(new Reading("s", 1, 2), KV.of("k", 1L)));
    assertThat(twice.deserialize(twice.serialize(batch))).isEqualTo(batch);
  }

  @Test
  void typesAreRegisteredByNameSoTheOrderOfRegistrationDoesNotMatter() {
    ForySerde a = new ForySerde(List.of(Reading.class.getName(), Color.class.getName()));
    ForySerde b = new ForySerde(List.of(Color.class.getName(), Account.class.getName(), Reading.class.getName()));
    List<Object> batch = new ArrayList<>(List.of(new Reading("s", 1, 2), Color.RED, KV.of("k", 1L)));
    assertThat(b.deserialize(a.serialize(batch))).isEqualTo(batch);
    assertThat(a.deserialize(b.serialize(batch))).isEqualTo(batch);
    // a type the receiver did not register is refused, saying what to do
    List<Object> accounts = new ArrayList<>(List.of(new Account("a", new TreeMap<>(Map.of("eur", 1L)))));
    assertThatThrownBy(() -> a.deserialize(b.serialize(accounts)))
        .isInstanceOf(SerdeException.class)
        .hasMessageContaining("every process must register the same types");
  }

  @Test
  void sluiceTypesOfEveryModuleAreDiscoveredAndNeedNoRegistration() {
    assertThat(io.sluice.serde.SerdeTypes.discovered()).contains(KV.class, Joined.class);
    ForySerde none = new ForySerde();
    List<Object> batch = new ArrayList<>(List.of(KV.of("k", new Joined<>("l", 2L))));
    assertThat(none.deserialize(none.serialize(batch))).isEqualTo(batch);
  }

  @Test
  void manyThreadsSerializeAndDeserializeAtOnce() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Integer>> done = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int thread = t;
        done.add(pool.submit(() -> {
          for (int i = 0; i < 2_000; i++) {
            List<Object> batch = new ArrayList<>();
            for (int j = 0; j < 10; j++) {
              batch.add(new Reading("t" + thread, i, j));
            }
            assertThat(serde.deserialize(serde.serialize(batch))).isEqualTo(batch);
          }
          return thread;
        }));
      }
      for (Future<Integer> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
