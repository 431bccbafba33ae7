package io.sluice.aeron;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.dataflow.KV;
import io.sluice.serde.SerdeException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Hostile bytes and edge values against the in-JVM plain serde. */
class PlainItemSerdeAttackTest {
  record Reading(String sensor, double value) {}

  static final class MyList<T> extends ArrayList<T> {}

  private static PlainItemSerde serde(AtomicInteger built) {
    return new PlainItemSerde(() -> {
      built.incrementAndGet();
      return new ForySerde(List.of(Reading.class.getName(), MyList.class.getName()), false);
    });
  }

  private static ArrayList<Object> sample() {
    ArrayList<Object> nested = new ArrayList<>();
    nested.add(KV.of("k", null));
    nested.add(new ArrayList<>());
    nested.add(new byte[0]);
    nested.add("\uD83D\uDE00 pair, \uDBFF\uDFFF, lone \uDC00");
    return new ArrayList<>(Arrays.asList(KV.of(1, KV.of(2L, nested)), Double.NaN, -0.0, "", "\u00ff\u0100",
        new byte[] {1, 2, 3}, Boolean.TRUE, null, Integer.MAX_VALUE, Long.MIN_VALUE, Double.longBitsToDouble(0xfff8000000000001L)));
  }

  @Test
  void everyTruncationAndEveryOneByteChangeIsRefusedWithASerdeExceptionOrReadsAPlainValue() {
    AtomicInteger built = new AtomicInteger();
    PlainItemSerde s = serde(built);
    byte[] bytes = s.serialize(sample());
    assertThat(bytes[0]).isEqualTo(PlainItemSerde.MARK);
    for (int n = 1; n < bytes.length; n++) {
      byte[] cut = Arrays.copyOf(bytes, n);
      assertThatThrownBy(() -> s.deserialize(cut)).as("cut at %d", n).isInstanceOf(SerdeException.class)
          .hasMessageStartingWith("refused to deserialize");
    }
    Random random = new Random(42);
    for (int i = 1; i < bytes.length; i++) {
      for (int round = 0; round < 8; round++) {
        byte[] bad = bytes.clone();
        bad[i] = round < 4 ? (byte) random.nextInt() : new byte[] {0, -1, 0x7f, (byte) 0x80}[round - 4];
        try {
          s.deserialize(bad);
        } catch (SerdeException e) {
          assertThat(e.getMessage()).startsWith("refused to deserialize");
        }
      }
    }
    assertThat(built).hasValue(0);
  }

  @Test
  void edgeValuesRoundTripExactly() {
    AtomicInteger built = new AtomicInteger();
    PlainItemSerde s = serde(built);
    ArrayList<Object> in = sample();
    List<?> back = (List<?>) s.deserialize(s.serialize(in));
    assertThat(back).hasSize(in.size());
    assertThat(Double.doubleToRawLongBits((Double) back.get(1))).isEqualTo(Double.doubleToRawLongBits(Double.NaN));
    assertThat(Double.doubleToRawLongBits((Double) back.get(2))).isEqualTo(Double.doubleToRawLongBits(-0.0));
    assertThat(Double.doubleToRawLongBits((Double) back.get(10))).isEqualTo(0xfff8000000000001L);
    assertThat(back.get(3)).isEqualTo("");
    assertThat(back.get(4)).isEqualTo("\u00ff\u0100");
    assertThat((byte[]) back.get(5)).containsExactly(1, 2, 3);
    KV<?, ?> kv = (KV<?, ?>) back.get(0);
    List<?> nested = (List<?>) ((KV<?, ?>) kv.value()).value();
    assertThat(nested.get(0)).isEqualTo(KV.of("k", null));
    assertThat(nested.get(1)).isEqualTo(List.of()).isInstanceOf(ArrayList.class);
    assertThat((byte[]) nested.get(2)).isEmpty();
    assertThat(nested.get(3)).isEqualTo("\uD83D\uDE00 pair, \uDBFF\uDFFF, lone \uDC00");
    assertThat(built).hasValue(0);
  }

  @Test
  void aSubclassOfArrayListOrAnImmutableListIsNotTakenForAnArrayList() {
    AtomicInteger built = new AtomicInteger();
    PlainItemSerde s = serde(built);
    MyList<Object> mine = new MyList<>();
    mine.add(1);
    byte[] b1 = s.serialize(mine);
    assertThat(b1[0]).isNotEqualTo(PlainItemSerde.MARK);
    assertThat(s.deserialize(b1)).isInstanceOf(MyList.class).isEqualTo(List.of(1));
    ArrayList<Object> outer = new ArrayList<>(List.of("a", KV.of(1, mine)));
    Object back = s.deserialize(s.serialize(outer));
    assertThat(((KV<?, ?>) ((List<?>) back).get(1)).value()).isInstanceOf(MyList.class);
    ArrayList<Object> mixed = new ArrayList<>(List.of(1, new Reading("s", -0.0), "x"));
    Object m = s.deserialize(s.serialize(mixed));
    assertThat(m).isEqualTo(mixed);
    assertThat(built).hasValue(1);
  }

  @Test
  void hugeAndNegativeCountsAreRefusedWithoutAllocating() {
    PlainItemSerde s = serde(new AtomicInteger());
    for (byte tag : new byte[] {1, 2, 8, 10}) {
      for (int n : new int[] {Integer.MAX_VALUE, Integer.MIN_VALUE, -1, 1 << 30, (1 << 30) + 1, 0x7ffffff0}) {
        byte[] b = new byte[] {PlainItemSerde.MARK, tag, (byte) n, (byte) (n >> 8), (byte) (n >> 16), (byte) (n >> 24), 0};
        assertThatThrownBy(() -> s.deserialize(b)).as("tag %d n %d", tag, n).isInstanceOf(SerdeException.class);
      }
    }
    byte[] deepList = new byte[1 + 5 * 40];
    deepList[0] = PlainItemSerde.MARK;
    for (int i = 0; i < 40; i++) {
      deepList[1 + 5 * i] = 10;
      deepList[2 + 5 * i] = 1;
    }
    assertThatThrownBy(() -> s.deserialize(deepList)).isInstanceOf(SerdeException.class).hasMessageContaining("nested deeper");
  }

  /**
   * Lists nested as deep as allowed, each claiming as many elements as there are bytes left: every
   * claim passes the length check, but what is allocated must follow the elements really read, not
   * the claims (else 1 MiB of bytes costs the depth times 4–8 MiB of heap before being refused).
   */
  @Test
  void nestedListsClaimingEveryRemainingByteAllocateNoMoreThanTheBytesHold() {
    PlainItemSerde s = serde(new AtomicInteger());
    int depth = PlainItemSerde.MAX_DEPTH;
    int padding = 1 << 20;
    byte[] b = new byte[1 + 5 * depth + padding];
    java.util.Arrays.fill(b, (byte) 99); // the innermost list's first element has an unknown tag
    b[0] = PlainItemSerde.MARK;
    for (int level = 0; level < depth; level++) {
      int at = 1 + 5 * level;
      int remaining = b.length - (at + 5);
      b[at] = 10;
      java.nio.ByteBuffer.wrap(b, at + 1, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(remaining);
    }
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long before = threads.getCurrentThreadAllocatedBytes();
    assertThatThrownBy(() -> s.deserialize(b)).isInstanceOf(SerdeException.class).hasMessageContaining("unknown tag 99");
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    // no list holds anything: the claims alone must not cost the heap the bytes' size
    assertThat(allocated).as("bytes allocated to refuse %d bytes", b.length).isLessThan(padding);
  }
}
