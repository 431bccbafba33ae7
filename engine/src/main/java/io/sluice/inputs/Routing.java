package io.sluice.inputs;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The stable function that places keys on workers:
 * {@code worker = floorMod(murmur3_32(keyBytes(key), seed 0), workerCount)}.
 *
 * <p>It never uses {@link Object#hashCode()}, so a key lands on the same worker in every JVM,
 * every process and every run (an enum's {@code hashCode} differs per JVM; its name does not).
 * {@link #keyBytes(Object)} defines the key's routing bytes:
 * <ul>
 *   <li>{@link String}: UTF-8; {@link Enum}: its name in UTF-8; {@link Character}: UTF-8 of it;</li>
 *   <li>{@link Integer}, {@link Long}, {@link Short}, {@link Byte}, {@link Double}, {@link Float}:
 *       big-endian two's complement / IEEE 754 bits; {@link Boolean}: one byte 1 or 0;</li>
 *   <li>{@link UUID}: its 16 bytes; {@code byte[]}: itself;</li>
 *   <li>a {@link Record} or a {@link Collection}: each component's/element's routing bytes,
 *       each prefixed by its length (4 bytes, big-endian); for a {@link Set} the elements' bytes
 *       are taken in unsigned lexicographic order, so equal sets route alike whatever their
 *       iteration order;</li>
 *   <li>a {@link RoutingKey}: what {@link RoutingKey#routingBytes()} returns.</li>
 * </ul>
 * Any other type is rejected with an error naming it: its placement could not be stable.
 *
 * <p><b>Key identity.</b> Keyed steps group state, cache routes and compare keys by the same thing
 * they route by: two keys are the same key when they are of the same class and have the same
 * routing bytes. {@link #identity(Object)} gives the object Sluice stores and compares: for keys
 * whose {@code equals} already agrees with their routing bytes (strings, boxed primitives, enums,
 * UUIDs, records and lists or sets of those) the key itself; for the others ({@code byte[]},
 * {@link RoutingKey}s, records with a {@code byte[]} or collection component or their own
 * {@code equals}, other collections) a value that compares class and routing bytes. So two
 * {@code byte[]} keys with the same content are one key, as they are one worker's. User functions
 * always see their own key objects ({@link #keyOf(Object)}).
 */
public final class Routing {
  private Routing() {}

  /** The worker (0-based) that owns {@code key} among {@code workerCount} workers. */
  public static int workerFor(Object key, int workerCount) {
    if (workerCount <= 0) {
      throw new IllegalArgumentException("workerCount must be positive, got " + workerCount);
    }
    // hash even for one worker: a key type that cannot be routed must fail at every worker count
    return Math.floorMod(hash(key), workerCount);
  }

  /** murmur3_32 (x86, seed 0) of the key's routing bytes. */
  public static int hash(Object key) {
    if (key instanceof String s && isLatin1Ascii(s)) {
      return murmur3Ascii(s);
    }
    if (key instanceof Bytes b) {
      return b.hash;
    }
    return murmur3(keyBytes(key));
  }

  /**
   * The object keyed steps store and compare for {@code key}: {@code key} itself when its
   * {@code equals}/{@code hashCode} agree with its routing bytes, else a value equal to another
   * key's identity exactly when both keys are of the same class and have the same routing bytes.
   * Idempotent; {@code workerFor(identity(k), n) == workerFor(k, n)}.
   *
   * @throws IllegalArgumentException if {@code key} is null or has no routing form
   */
  public static Object identity(Object key) {
    if (key instanceof Bytes || isPlain(key)) {
      return key;
    }
    return new Bytes(key, keyBytes(key));
  }

  /** The user's key behind an {@link #identity(Object) identity} (the identity itself if it is a key). */
  public static Object keyOf(Object identity) {
    return identity instanceof Bytes b ? b.key : identity;
  }

  /** Keys whose class and routing bytes are equal exactly when the keys are {@code equals}. */
  private static boolean isPlain(Object key) {
    if (key instanceof String || key instanceof Integer || key instanceof Long || key instanceof Enum<?>
        || key instanceof UUID || key instanceof Short || key instanceof Byte || key instanceof Character
        || key instanceof Boolean || key instanceof Double || key instanceof Float) {
      return true;
    }
    if (key == null) {
      throw new IllegalArgumentException(NULL_KEY);
    }
    if (key instanceof RoutingKey) {
      return false; // its equals is its own; its identity is its routing bytes
    }
    if (key instanceof Record) {
      return PLAIN_RECORD.get(key.getClass());
    }
    if (key instanceof java.util.List<?> || key instanceof Set<?>) {
      for (Object e : (Collection<?>) key) {
        if (!(e != null && isPlain(e))) {
          return false; // a null element fails in keyBytes, naming it
        }
      }
      return true;
    }
    return false;
  }

  /**
   * A record class is plain when it keeps the generated {@code equals} (javac declares it
   * {@code final}) and every component is of a plain final type (primitives, String, boxed
   * primitives, UUID, enums, plain records).
   */
  private static final ClassValue<Boolean> PLAIN_RECORD = new ClassValue<>() {
    @Override
    protected Boolean computeValue(Class<?> type) {
      return plainRecord(type, 0);
    }
  };

  private static boolean plainRecord(Class<?> type, int depth) {
    if (!type.isRecord() || depth > 8 || RoutingKey.class.isAssignableFrom(type)) {
      return false;
    }
    try {
      // javac declares a record's generated equals public final; one written by hand rarely is
      if (!java.lang.reflect.Modifier.isFinal(type.getDeclaredMethod("equals", Object.class).getModifiers())) {
        return false;
      }
    } catch (NoSuchMethodException e) {
      // no equals in the class file: the component-wise one
    }
    for (var c : type.getRecordComponents()) {
      Class<?> t = c.getType();
      boolean plain = (t.isPrimitive() && t != void.class) || t == String.class || t == Integer.class
          || t == Long.class || t == Short.class || t == Byte.class || t == Character.class || t == Boolean.class
          || t == Double.class || t == Float.class || t == UUID.class || t.isEnum()
          || (t.isRecord() && plainRecord(t, depth + 1));
      if (!plain) {
        return false;
      }
    }
    return true;
  }

  private static final String NULL_KEY = "a key must not be null: return a non-null key from the key function"
      + " (e.g. a placeholder such as \"<none>\" for items without one), or filter those items out before the step";

  /** The identity of a key whose {@code equals} differs from its routing bytes: class and bytes. */
  private static final class Bytes {
    private final Object key;
    /** The class that decides equality together with the bytes (List and Set as such, like their equals). */
    private final Class<?> kind;
    private final byte[] bytes;
    private final int hash;

    Bytes(Object key, byte[] bytes) {
      this.key = key;
      this.kind = key instanceof java.util.List<?> ? java.util.List.class
          : key instanceof Set<?> ? Set.class : key.getClass();
      this.bytes = bytes;
      this.hash = murmur3(bytes);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Bytes b && b.hash == hash && b.kind == kind && Arrays.equals(b.bytes, bytes);
    }

    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public String toString() {
      return key instanceof byte[] b ? Arrays.toString(b) : String.valueOf(key);
    }
  }

  /** The serialized form of a key that {@link #workerFor} hashes. */
  public static byte[] keyBytes(Object key) {
    if (key == null) {
      throw new IllegalArgumentException(NULL_KEY);
    }
    if (key instanceof Bytes b) {
      return b.bytes.clone();
    }
    if (key instanceof String s) {
      return s.getBytes(StandardCharsets.UTF_8);
    }
    if (key instanceof Enum<?> e) {
      return e.name().getBytes(StandardCharsets.UTF_8);
    }
    if (key instanceof Integer i) {
      return ByteBuffer.allocate(4).putInt(i).array();
    }
    if (key instanceof Long l) {
      return ByteBuffer.allocate(8).putLong(l).array();
    }
    if (key instanceof Short s) {
      return ByteBuffer.allocate(2).putShort(s).array();
    }
    if (key instanceof Byte b) {
      return new byte[] {b};
    }
    if (key instanceof Character c) {
      return String.valueOf(c).getBytes(StandardCharsets.UTF_8);
    }
    if (key instanceof Boolean b) {
      return new byte[] {(byte) (b ? 1 : 0)};
    }
    if (key instanceof Double d) {
      return ByteBuffer.allocate(8).putLong(Double.doubleToLongBits(d)).array(); // one NaN, like equals
    }
    if (key instanceof Float f) {
      return ByteBuffer.allocate(4).putInt(Float.floatToIntBits(f)).array(); // one NaN, like equals
    }
    if (key instanceof UUID u) {
      return ByteBuffer.allocate(16).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits()).array();
    }
    if (key instanceof byte[] b) {
      return b.clone();
    }
    if (key instanceof RoutingKey rk) {
      return rk.routingBytes();
    }
    if (key instanceof Record r) {
      var components = r.getClass().getRecordComponents();
      Object[] values = new Object[components.length];
      for (int i = 0; i < components.length; i++) {
        try {
          components[i].getAccessor().setAccessible(true);
          values[i] = components[i].getAccessor().invoke(r);
        } catch (ReflectiveOperationException e) {
          throw new IllegalArgumentException("cannot read component " + components[i].getName()
              + " of routing key type " + r.getClass().getName(), e);
        }
      }
      return concat(java.util.Arrays.asList(values));
    }
    if (key instanceof Set<?> set) {
      List<byte[]> parts = new ArrayList<>(set.size());
      for (Object element : set) {
        parts.add(keyBytes(element));
      }
      parts.sort(Arrays::compareUnsigned);
      return concatBytes(parts);
    }
    if (key instanceof Collection<?> c) {
      return concat(c);
    }
    throw new IllegalArgumentException("key type " + key.getClass().getName()
        + " has no stable routing form: use a String, number, enum, UUID, record or collection of those,"
        + " or implement io.sluice.inputs.RoutingKey");
  }

  private static byte[] concat(Collection<?> parts) {
    List<byte[]> bytes = new ArrayList<>(parts.size());
    for (Object part : parts) {
      bytes.add(keyBytes(part));
    }
    return concatBytes(bytes);
  }

  private static byte[] concatBytes(List<byte[]> parts) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (byte[] b : parts) {
      out.writeBytes(ByteBuffer.allocate(4).putInt(b.length).array());
      out.writeBytes(b);
    }
    return out.toByteArray();
  }

  private static boolean isLatin1Ascii(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }

  // murmur3_32, x86 variant, seed 0 (Austin Appleby's public-domain algorithm).
  private static final int C1 = 0xcc9e2d51;
  private static final int C2 = 0x1b873593;

  /** murmur3_32 (x86, seed 0) of {@code data}. */
  public static int murmur3(byte[] data) {
    return murmur3(data, 0, data.length);
  }

  /** {@link #murmur3(byte[])} of the {@code len} bytes of {@code data} from {@code off}. */
  public static int murmur3(byte[] data, int off, int len) {
    int h = 0;
    int blocks = len & ~3;
    for (int i = 0; i < blocks; i += 4) {
      int p = off + i;
      int k = (data[p] & 0xff) | (data[p + 1] & 0xff) << 8 | (data[p + 2] & 0xff) << 16 | (data[p + 3] & 0xff) << 24;
      h = mixH(h, mixK(k));
    }
    int k = 0;
    int t = off + blocks;
    switch (len & 3) {
      case 3:
        k ^= (data[t + 2] & 0xff) << 16;
        // fall through
      case 2:
        k ^= (data[t + 1] & 0xff) << 8;
        // fall through
      case 1:
        k ^= data[t] & 0xff;
        h ^= mixK(k);
        break;
      default:
        break;
    }
    return fmix(h ^ len);
  }

  /** The same hash for an ASCII string, without encoding it first (its UTF-8 bytes are its chars). */
  private static int murmur3Ascii(String s) {
    int h = 0;
    int len = s.length();
    int blocks = len & ~3;
    for (int i = 0; i < blocks; i += 4) {
      int k = s.charAt(i) | s.charAt(i + 1) << 8 | s.charAt(i + 2) << 16 | s.charAt(i + 3) << 24;
      h = mixH(h, mixK(k));
    }
    int k = 0;
    switch (len & 3) {
      case 3:
        k ^= s.charAt(blocks + 2) << 16;
        // fall through
      case 2:
        k ^= s.charAt(blocks + 1) << 8;
        // fall through
      case 1:
        k ^= s.charAt(blocks);
        h ^= mixK(k);
        break;
      default:
        break;
    }
    return fmix(h ^ len);
  }

  private static int mixK(int k) {
    k *= C1;
    k = Integer.rotateLeft(k, 15);
    return k * C2;
  }

  private static int mixH(int h, int k) {
    h ^= k;
    h = Integer.rotateLeft(h, 13);
    return h * 5 + 0xe6546b64;
  }

  private static int fmix(int h) {
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    h ^= h >>> 16;
    return h;
  }
}
