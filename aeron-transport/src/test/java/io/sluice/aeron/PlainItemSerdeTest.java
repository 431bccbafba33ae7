package io.sluice.aeron;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.connectors.IterableSource;
import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.KV;
import io.sluice.run.RunConfig;
import io.sluice.serde.Serde;
import io.sluice.serde.SerdeException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PlainItemSerdeTest {
  record Reading(String sensor, double value) {}

  record Unlisted(int n) {}

  /** Registered by the cluster test only, so that its serde is its own (in-JVM serdes are shared per list of types). */
  record OnlyForTheClusterTest(int n) {}

  private static final List<String> TYPES = List.of(Reading.class.getName());

  private static PlainItemSerde serde(AtomicInteger built) {
    return new PlainItemSerde(() -> {
      built.incrementAndGet();
      return new ForySerde(TYPES, false);
    });
  }

  private static <T> ArrayList<T> arrayList(T... items) {
    return new ArrayList<>(Arrays.asList(items));
  }

  @Test
  void plainValuesRoundTripToTheSameClassesAndValuesWithoutBuildingTheFallback() {
    AtomicInteger built = new AtomicInteger();
    PlainItemSerde s = serde(built);
    String surrogate = "half \uD800 of a pair, \u00e9t\u00e9, \u4e2d\u6587";
    ArrayList<Object> batch = arrayList(KV.of(1, 2L), KV.of("key", -0.0), KV.of(3, null), "latin1 \u00ff", surrogate,
        Integer.MIN_VALUE, Long.MAX_VALUE, Double.NaN, Double.longBitsToDouble(0x7ff0000000000123L), true, false, null,
        "", KV.of("nested", KV.of(1, arrayList("a", 2, KV.of(3L, arrayList())))));

    Object back = s.roundTrip(batch);

    assertThat(back).isInstanceOf(ArrayList.class).isEqualTo(batch);
    List<?> items = (List<?>) back;
    assertThat(items).extracting(o -> o == null ? null : o.getClass())
        .isEqualTo(batch.stream().map(o -> o == null ? null : o.getClass()).toList());
    assertThat(Double.doubleToRawLongBits((Double) items.get(8))).isEqualTo(0x7ff0000000000123L);
    assertThat(Double.doubleToRawLongBits((Double) ((KV<?, ?>) items.get(1)).value()))
        .isEqualTo(Double.doubleToRawLongBits(-0.0));
    assertThat((byte[]) s.roundTrip(new byte[] {1, -2, 3})).containsExactly(1, -2, 3);
    assertThat(s.roundTrip("one item")).isEqualTo("one item");
    assertThat(s.serialize(batch)[0]).isEqualTo(PlainItemSerde.MARK);
    assertThat(built).hasValue(0);
    assertThat(s.fallbackBuilt()).isFalse();
  }

  @Test
  void anythingElseGoesThroughForyWithItsChecksAndReadsBackTheSame() {
    AtomicInteger built = new AtomicInteger();
    PlainItemSerde s = serde(built);
    ArrayList<Object> mixed = arrayList(KV.of("a", 1L), new Reading("s", 1.5), "text");
    LinkedList<Object> linked = new LinkedList<>(List.of(1, 2));

    byte[] bytes = s.serialize(mixed);
    assertThat(bytes[0]).isNotEqualTo(PlainItemSerde.MARK);
    assertThat(s.deserialize(bytes)).isEqualTo(mixed);
    assertThat(s.roundTrip(linked)).isInstanceOf(LinkedList.class).isEqualTo(linked);
    assertThat(s.roundTrip(KV.of("k", new Reading("t", 2.0)))).isEqualTo(KV.of("k", new Reading("t", 2.0)));
    assertThat(built).hasValue(1);
    assertThatThrownBy(() -> s.serialize(arrayList(1, new Unlisted(3))))
        .isInstanceOf(SerdeException.class)
        .hasMessageContaining(Unlisted.class.getName().replace('$', '.'))
        .hasMessageContaining("Dataflow.registerTypes");
  }

  @Test
  void foryBytesOfPlainValuesAreReadAsBefore() {
    ForySerde fory = new ForySerde(TYPES, true);
    ArrayList<Object> batch = arrayList(KV.of(1, 2L), "x", null, 3.5, new byte[0]);
    for (Object value : List.<Object>of(batch, "x", 7, KV.of(1, 2L), new Reading("s", 1))) {
      byte[] bytes = fory.serialize(value);
      assertThat(bytes[0]).as("Fory's first byte (a flags bitmap)").isBetween((byte) 0, (byte) 15);
      Object read = serde(new AtomicInteger()).deserialize(bytes);
      assertThat(read).usingRecursiveComparison().isEqualTo(value);
    }
  }

  @Test
  void malformedBytesAreRefusedBeforeAnythingLargeIsAllocated() {
    PlainItemSerde s = serde(new AtomicInteger());
    byte mark = PlainItemSerde.MARK;
    assertRefused(s, new byte[] {mark}, "a value's tag needs 1 bytes");
    assertRefused(s, new byte[] {mark, 99}, "unknown tag 99");
    assertRefused(s, withInt(mark, (byte) 10, Integer.MAX_VALUE), "a list needs 2147483647 bytes");
    assertRefused(s, withInt(mark, (byte) 1, -1), "negative length -1");
    assertRefused(s, withInt(mark, (byte) 2, 1 << 30), "a string needs 2147483648 bytes");
    assertRefused(s, withInt(mark, (byte) 8, 5), "a byte array needs 5 bytes");
    assertRefused(s, new byte[] {mark, 3, 1, 2}, "an Integer needs 4 bytes");
    assertRefused(s, new byte[] {mark, 6, 6}, "1 bytes left over");
    assertRefused(s, new byte[] {mark, 9, 0, 3, 1, 0, 0, 0}, "a KV with a null key");
    byte[] deep = new byte[2 + PlainItemSerde.MAX_DEPTH + 2];
    deep[0] = mark;
    Arrays.fill(deep, 1, deep.length - 1, (byte) 9);
    assertRefused(s, deep, "nested deeper than " + PlainItemSerde.MAX_DEPTH);
    assertThat(s.fallbackBuilt()).isFalse();
  }

  @Test
  void tooDeepAValueGoesToTheFallback() {
    AtomicInteger built = new AtomicInteger();
    Object v = 1;
    for (int i = 0; i < PlainItemSerde.MAX_DEPTH + 1; i++) {
      v = KV.of(i, v);
    }
    Object deep = v;
    assertThat(serde(built).roundTrip(deep)).isEqualTo(deep);
    assertThat(built).hasValue(1);
  }

  @Test
  void aClusterRunOfPlainItemsNeverBuildsFory() {
    List<ListSink<KV<Integer, Long>>> sinks = List.of(new ListSink<>(), new ListSink<>());
    LocalCluster.run(2, RunConfig.workers(2), p -> {
      Dataflow flow = new Dataflow("plain").registerTypes(OnlyForTheClusterTest.class);
      flow.input("in", IterableSource.of(IntStream.range(0, 200).boxed().toList(), 1))
          .keyOn("key", i -> i % 7)
          .statefulMap("sum", (io.sluice.dataflow.ValueState<Long> state, Integer i) -> {
            long sum = state.getOrDefault(0L) + i;
            state.set(sum);
            return sum;
          })
          .output("out", sinks.get(p));
      return flow;
    }, Duration.ofSeconds(60));

    assertThat(sinks.get(0).items().size() + sinks.get(1).items().size()).isEqualTo(200);
    Serde used = AeronTransport.inJvmSerde(List.of(OnlyForTheClusterTest.class.getName()));
    assertThat(used).isInstanceOf(PlainItemSerde.class);
    assertThat(((PlainItemSerde) used).fallbackBuilt()).as("Fory built").isFalse();
  }

  @Test
  void aWrongRegisteredTypeFailsWhenTheInJvmSerdeIsMadeNotWhenForyIsFirstNeeded() {
    assertThatThrownBy(() -> AeronTransport.inJvmSerde(List.of("no.such.Type")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no.such.Type is not on the class path");
    assertThatThrownBy(() -> AeronTransport.inJvmSerde(List.of("java.util.")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is a package");
  }

  private static byte[] withInt(byte mark, byte tag, int n) {
    return ByteBuffer.allocate(6).order(ByteOrder.LITTLE_ENDIAN).put(mark).put(tag).putInt(n).array();
  }

  private static void assertRefused(Serde s, byte[] bytes, String message) {
    assertThatThrownBy(() -> s.deserialize(bytes)).isInstanceOf(SerdeException.class)
        .hasMessageStartingWith("refused to deserialize").hasMessageContaining(message);
  }
}
