package io.sluice.inputs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.commons.codec.digest.MurmurHash3;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Routing: murmur3_32 (seed 0) over the key's routing bytes, the same in every JVM. */
class RoutingTest {
  /** An enum whose constants have bodies, so some are anonymous subclasses. */
  enum Color {
    RED,
    GREEN {
      @Override
      public String toString() {
        return "green!";
      }
    },
    BLUE,
    CYAN,
    MAGENTA,
    YELLOW
  }

  record Pair(Color color, int n) {}

  record Nested(String name, Pair pair, List<Long> longs) {}

  private static int reference(byte[] bytes) {
    return MurmurHash3.hash32x86(bytes, 0, bytes.length, 0);
  }

  private static void assertMatchesReference(Object key) {
    byte[] bytes = Routing.keyBytes(key);
    int expected = reference(bytes);
    assertThat(Routing.hash(key)).as("hash of %s", key).isEqualTo(expected);
    for (int n : new int[] {1, 2, 3, 4, 7, 16, 1000}) {
      assertThat(Routing.workerFor(key, n)).as("worker of %s among %d", key, n).isEqualTo(Math.floorMod(expected, n));
    }
  }

  @Test
  void asciiStringsHashLikeTheReferenceMurmur3() {
    Random rnd = new Random(42);
    for (int i = 0; i < 5000; i++) {
      char[] c = new char[rnd.nextInt(41)];
      for (int j = 0; j < c.length; j++) {
        c[j] = (char) rnd.nextInt(0x80);
      }
      String s = new String(c);
      assertThat(Routing.keyBytes(s)).isEqualTo(s.getBytes(StandardCharsets.UTF_8));
      assertMatchesReference(s);
    }
  }

  @Test
  void nonAsciiStringsHashTheirUtf8Bytes() {
    Random rnd = new Random(7);
    int[] blocks = {0x80, 0xFF, 0x100, 0x7FF, 0x800, 0x4E00, 0xFFFD, 0x1F600};
    for (int i = 0; i < 5000; i++) {
      StringBuilder sb = new StringBuilder();
      int len = rnd.nextInt(20);
      for (int j = 0; j < len; j++) {
        int cp = rnd.nextInt(3) == 0 ? rnd.nextInt(0x80) : blocks[rnd.nextInt(blocks.length)] + rnd.nextInt(64);
        sb.appendCodePoint(cp);
      }
      if (sb.length() == 0 || sb.chars().allMatch(ch -> ch < 0x80)) {
        sb.append('é');
      }
      String s = sb.toString();
      assertThat(Routing.keyBytes(s)).isEqualTo(s.getBytes(StandardCharsets.UTF_8));
      assertMatchesReference(s);
    }
    for (String s : List.of("é", "ÿ", "日本", "😀", "naïve café", "\u0080", "a\u00ffb")) {
      assertMatchesReference(s);
    }
  }

  @Test
  void byteArraysHashLikeTheReferenceMurmur3() {
    Random rnd = new Random(3);
    for (int i = 0; i < 5000; i++) {
      byte[] b = new byte[rnd.nextInt(70)];
      rnd.nextBytes(b);
      assertThat(Routing.murmur3(b)).isEqualTo(reference(b));
      assertThat(Routing.keyBytes(b)).isEqualTo(b).isNotSameAs(b);
      assertMatchesReference(b);
    }
  }

  @Test
  void knownPlacementsNeverChange() {
    // Computed once and frozen: changing any of these moves users' keys between workers.
    assertThat(Routing.hash("apple")).isEqualTo(1880549520);
    assertThat(Routing.workerFor("apple", 4)).isEqualTo(0);
    assertThat(Routing.workerFor("apple", 7)).isEqualTo(3);
    assertThat(Routing.hash("banana")).isEqualTo(-178115665);
    assertThat(Routing.workerFor("banana", 4)).isEqualTo(3);
    assertThat(Routing.workerFor("banana", 16)).isEqualTo(15);
    assertThat(Routing.workerFor("cherry", 4)).isEqualTo(2);
    assertThat(Routing.workerFor("cherry", 16)).isEqualTo(10);
    assertThat(Routing.hash("")).isEqualTo(0);
    assertThat(Routing.workerFor("héllo", 16)).isEqualTo(8);
    assertThat(Routing.workerFor("日本", 7)).isEqualTo(1);
    assertThat(Routing.workerFor(42, 16)).isEqualTo(14);
    assertThat(Routing.workerFor(42L, 16)).isEqualTo(7);
    assertThat(Routing.workerFor(UUID.fromString("123e4567-e89b-12d3-a456-426614174000"), 7)).isEqualTo(2);
    assertThat(Routing.workerFor(List.of("a", "b"), 7)).isEqualTo(6);
  }

  @Test
  void numbersAndOtherScalarsHaveFixedBytes() {
    assertThat(Routing.keyBytes(0x01020304)).containsExactly(1, 2, 3, 4);
    assertThat(Routing.keyBytes(-1L)).containsExactly(-1, -1, -1, -1, -1, -1, -1, -1);
    assertThat(Routing.keyBytes((short) 258)).containsExactly(1, 2);
    assertThat(Routing.keyBytes((byte) -3)).containsExactly(-3);
    assertThat(Routing.keyBytes(true)).containsExactly(1);
    assertThat(Routing.keyBytes(false)).containsExactly(0);
    assertThat(Routing.keyBytes('é')).isEqualTo("é".getBytes(StandardCharsets.UTF_8));
    assertThat(Routing.keyBytes(1.5d)).isEqualTo(ByteBuffer.allocate(8).putDouble(1.5d).array());
    assertThat(Routing.keyBytes(1.5f)).isEqualTo(ByteBuffer.allocate(4).putFloat(1.5f).array());
    for (Object k : List.of(0, -7, Integer.MAX_VALUE, Long.MIN_VALUE, 3.25d, 2.5f, (short) 9, (byte) 1, true, 'x')) {
      assertMatchesReference(k);
    }
  }

  @Test
  void equalNaNsRouteAlike() {
    Double otherNaN = Double.longBitsToDouble(0x7ff8_0000_0000_0001L);
    assertThat(otherNaN.equals(Double.NaN)).isTrue();
    assertThat(Double.doubleToRawLongBits(otherNaN)).isNotEqualTo(Double.doubleToRawLongBits(Double.NaN));
    assertThat(Routing.hash(otherNaN)).isEqualTo(Routing.hash(Double.NaN));
    Float otherFloatNaN = Float.intBitsToFloat(0x7fc0_0001);
    assertThat(otherFloatNaN.equals(Float.NaN)).isTrue();
    assertThat(Float.floatToRawIntBits(otherFloatNaN)).isNotEqualTo(Float.floatToRawIntBits(Float.NaN));
    assertThat(Routing.hash(otherFloatNaN)).isEqualTo(Routing.hash(Float.NaN));
  }

  @Test
  void enumsRouteByName() {
    for (Color c : Color.values()) {
      assertThat(Routing.keyBytes(c)).isEqualTo(c.name().getBytes(StandardCharsets.UTF_8));
      assertThat(Routing.hash(c)).isEqualTo(Routing.hash(c.name()));
    }
  }

  @Test
  void uuidRoutesByItsSixteenBytes() {
    UUID u = UUID.fromString("00112233-4455-6677-8899-aabbccddeeff");
    assertThat(Routing.keyBytes(u)).containsExactly(0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
        0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff);
    Random rnd = new Random(1);
    for (int i = 0; i < 500; i++) {
      UUID r = new UUID(rnd.nextLong(), rnd.nextLong());
      assertThat(Routing.workerFor(r, 16)).isEqualTo(Routing.workerFor(UUID.fromString(r.toString()), 16));
      assertMatchesReference(r);
    }
  }

  @Test
  void recordsAndListsRouteByTheirLengthPrefixedParts() {
    byte[] expected = concat(lengthPrefixed("BLUE".getBytes(StandardCharsets.UTF_8)),
        lengthPrefixed(new byte[] {0, 0, 0, 7}));
    assertThat(Routing.keyBytes(new Pair(Color.BLUE, 7))).isEqualTo(expected);
    assertThat(Routing.keyBytes(List.of(Color.BLUE, 7))).isEqualTo(expected);
    // equal keys route equally, whatever the collection class
    assertThat(Routing.hash(List.of("a", "b"))).isEqualTo(Routing.hash(new ArrayList<>(List.of("a", "b"))));
    assertThat(Routing.hash(List.of("a", "b"))).isNotEqualTo(Routing.hash(List.of("b", "a")));
    // length prefixes keep ("ab", "c") and ("a", "bc") apart
    assertThat(Routing.keyBytes(List.of("ab", "c"))).isNotEqualTo(Routing.keyBytes(List.of("a", "bc")));
    Nested n1 = new Nested("x", new Pair(Color.RED, 1), List.of(1L, 2L));
    Nested n2 = new Nested("x", new Pair(Color.RED, 1), new ArrayList<>(List.of(1L, 2L)));
    assertThat(Routing.hash(n1)).isEqualTo(Routing.hash(n2));
    assertMatchesReference(n1);
    assertMatchesReference(List.of());
  }

  @Test
  void equalSetsRouteToTheSameWorkerWhateverTheirIterationOrder() {
    Set<String> ab = new LinkedHashSet<>(List.of("a", "b", "c"));
    Set<String> ba = new LinkedHashSet<>(List.of("c", "b", "a"));
    assertThat(ab).isEqualTo(ba);
    assertThat(Routing.hash(ab)).isEqualTo(Routing.hash(ba));
    assertThat(Routing.hash(Set.of("a", "b", "c"))).isEqualTo(Routing.hash(new TreeSet<>(ab)));
    Set<Color> colors = Set.of(Color.CYAN, Color.RED, Color.MAGENTA, Color.GREEN);
    assertThat(Routing.hash(colors)).isEqualTo(Routing.hash(new LinkedHashSet<>(List.of(Color.RED, Color.GREEN,
        Color.CYAN, Color.MAGENTA))));
  }

  @Test
  void aRoutingKeyChoosesItsOwnBytes() {
    RoutingKey k = () -> new byte[] {9, 8, 7};
    assertThat(Routing.keyBytes(k)).containsExactly(9, 8, 7);
    assertThat(Routing.hash(k)).isEqualTo(reference(new byte[] {9, 8, 7}));
  }

  static final class Opaque {
    @Override
    public int hashCode() {
      return 1;
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4})
  void anUnsupportedKeyTypeIsRejectedNamingTheTypeAtAnyWorkerCount(int workers) {
    assertThatThrownBy(() -> Routing.workerFor(new Opaque(), workers))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(Opaque.class.getName())
        .hasMessageContaining("RoutingKey");
    assertThatThrownBy(() -> Routing.workerFor(List.of("ok", new Opaque()), workers))
        .hasMessageContaining(Opaque.class.getName());
    assertThatThrownBy(() -> Routing.workerFor(Map.of("a", 1), workers))
        .hasMessageContaining("java.util.");
    assertThatThrownBy(() -> Routing.workerFor(null, workers))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("null");
  }

  @Test
  void workerCountMustBePositive() {
    assertThatThrownBy(() -> Routing.workerFor("a", 0)).hasMessageContaining("0");
    assertThatThrownBy(() -> Routing.workerFor("a", -2)).hasMessageContaining("-2");
  }

  @Test
  void placementsSpreadOverWorkers() {
    int[] perWorker = new int[8];
    for (int i = 0; i < 8000; i++) {
      perWorker[Routing.workerFor("key-" + i, 8)]++;
    }
    for (int c : perWorker) {
      assertThat(c).isBetween(850, 1150);
    }
  }

  @Test
  void enumKeysGetTheSameHashInAnotherJvm() throws Exception {
    String output;
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path out = Files.createTempFile("routing-probe", ".txt");
    try {
      Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), RoutingProbe.class.getName())
          .redirectErrorStream(true)
          .redirectOutput(out.toFile())
          .start();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("the child JVM did not finish within 30 s: " + Files.readString(out));
      }
      String text = Files.readString(out);
      assertThat(p.exitValue()).as(text).isZero();
      output = text;
    } finally {
      Files.deleteIfExists(out);
    }
    Map<String, Integer> child = new HashMap<>();
    for (String line : output.split("\n")) {
      if (line.contains("=")) {
        String[] kv = line.trim().split("=");
        child.put(kv[0], Integer.parseInt(kv[1]));
      }
    }
    Map<String, Integer> here = new HashMap<>();
    for (Color c : Color.values()) {
      here.put(c.name(), Routing.hash(c));
    }
    here.put("record", Routing.hash(new Pair(Color.BLUE, 7)));
    assertThat(child).isEqualTo(here);
  }

  private static byte[] lengthPrefixed(byte[] b) {
    return concat(ByteBuffer.allocate(4).putInt(b.length).array(), b);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
