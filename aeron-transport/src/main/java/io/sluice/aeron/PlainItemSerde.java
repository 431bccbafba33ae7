package io.sluice.aeron;

import io.sluice.dataflow.KV;
import io.sluice.serde.Serde;
import io.sluice.serde.SerdeException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A {@link Serde} that writes the plain values most flows exchange itself, and hands everything
 * else to another serde ({@link ForySerde}) that it builds only when such an item first shows up.
 * Building Apache Fory and its first use cost about 0.2–0.3 s of CPU in a JVM's first in-JVM
 * cluster run (docs/PERFORMANCE.md, "Cold start"); a test whose items are all plain never pays it.
 *
 * <p><b>Plain</b> values, by exact class: {@code null}, {@code String}, {@code Integer},
 * {@code Long}, {@code Double}, {@code Boolean}, {@code byte[]}, {@link KV} of plain values and
 * {@code ArrayList} of plain values (the exchange's batches), nested at most {@value #MAX_DEPTH}
 * deep. They read back as what the fallback returns for them: the same classes and values
 * ({@code Double} bit for bit, strings char for char, including unpaired surrogates), lists as
 * {@code ArrayList}; shared references are not kept (as the fallback without reference tracking).
 * Anything else (a subclass, another list, a registered type, an unregistered one) makes the whole
 * value go through the fallback, with its checks and its error messages.
 *
 * <p>Bytes: {@code [MARK][value]}, a value being {@code [tag:1][body]}; {@link #MARK} is a first
 * byte Fory's Java mode never writes (its first byte is a flags bitmap below 16), so bytes that do
 * not start with it are the fallback's. Nothing read is trusted: every tag must be known, every
 * length and count fit in the bytes that are left before anything is allocated, nesting is bounded,
 * and no byte may be left over; otherwise a {@link SerdeException} says what was wrong.
 */
final class PlainItemSerde implements Serde {
  /** The first byte of a plain value's bytes. */
  static final byte MARK = (byte) 0xA7;
  static final int MAX_DEPTH = 32;
  /** The largest capacity a list read is given up front (it grows past it as elements arrive). */
  static final int MAX_PRESIZED_LIST = 1024;
  private static final int KEPT_BUFFER_BYTES = 1 << 20;
  private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

  private static final byte NULL = 0;
  private static final byte LATIN1 = 1;
  private static final byte UTF16 = 2;
  private static final byte INT = 3;
  private static final byte LONG = 4;
  private static final byte DOUBLE = 5;
  private static final byte TRUE = 6;
  private static final byte FALSE = 7;
  private static final byte BYTES = 8;
  private static final byte PAIR = 9;
  private static final byte LIST = 10;

  private final Supplier<Serde> fallbackFactory;
  private volatile Serde fallback;
  private final ThreadLocal<ExpandableArrayBuffer> buffers = ThreadLocal.withInitial(() -> new ExpandableArrayBuffer(256));

  /** @param fallback builds the serde for everything that is not plain; called at most once, when first needed */
  PlainItemSerde(Supplier<Serde> fallback) {
    this.fallbackFactory = fallback;
  }

  /** Whether the fallback has been built (for tests). */
  boolean fallbackBuilt() {
    return fallback != null;
  }

  private Serde fallback() {
    Serde f = fallback;
    if (f == null) {
      synchronized (this) {
        f = fallback;
        if (f == null) {
          f = fallbackFactory.get();
          fallback = f;
        }
      }
    }
    return f;
  }

  @Override
  public byte[] serialize(Object item) {
    ExpandableArrayBuffer buf = buffers.get();
    buf.putByte(0, MARK);
    int end = write(buf, 1, item, 0);
    if (end < 0) {
      return fallback().serialize(item);
    }
    byte[] out = new byte[end];
    buf.getBytes(0, out);
    if (buf.capacity() > KEPT_BUFFER_BYTES) {
      buffers.remove(); // do not keep a large batch's buffer for the thread's life
    }
    return out;
  }

  @Override
  public Object deserialize(byte[] bytes) {
    if (bytes.length == 0 || bytes[0] != MARK) {
      return fallback().deserialize(bytes);
    }
    Reader r = new Reader(bytes);
    Object value = r.value(0);
    if (r.position != bytes.length) {
      throw refused("" + (bytes.length - r.position) + " bytes left over after"
          + " a plain value of " + r.position + " bytes");
    }
    return value;
  }

  /** Writes {@code v} at {@code at}; returns the end, or -1 if {@code v} is not plain. */
  private static int write(ExpandableArrayBuffer buf, int at, Object v, int depth) {
    if (v == null) {
      buf.putByte(at, NULL);
      return at + 1;
    }
    Class<?> c = v.getClass();
    if (c == String.class) {
      return writeString(buf, at, (String) v);
    }
    if (c == Integer.class) {
      buf.putByte(at, INT);
      buf.putInt(at + 1, (Integer) v, ORDER);
      return at + 5;
    }
    if (c == Long.class) {
      buf.putByte(at, LONG);
      buf.putLong(at + 1, (Long) v, ORDER);
      return at + 9;
    }
    if (c == Double.class) {
      buf.putByte(at, DOUBLE);
      buf.putLong(at + 1, Double.doubleToRawLongBits((Double) v), ORDER);
      return at + 9;
    }
    if (c == Boolean.class) {
      buf.putByte(at, (Boolean) v ? TRUE : FALSE);
      return at + 1;
    }
    if (c == byte[].class) {
      byte[] b = (byte[]) v;
      buf.putByte(at, BYTES);
      buf.putInt(at + 1, b.length, ORDER);
      buf.putBytes(at + 5, b);
      return at + 5 + b.length;
    }
    if (depth >= MAX_DEPTH) {
      return -1;
    }
    if (c == KV.class) {
      KV<?, ?> kv = (KV<?, ?>) v;
      buf.putByte(at, PAIR);
      int next = write(buf, at + 1, kv.key(), depth + 1);
      return next < 0 ? -1 : write(buf, next, kv.value(), depth + 1);
    }
    if (c == ArrayList.class) {
      List<?> list = (List<?>) v;
      int n = list.size();
      buf.putByte(at, LIST);
      buf.putInt(at + 1, n, ORDER);
      int next = at + 5;
      for (int i = 0; i < n && next >= 0; i++) {
        next = write(buf, next, list.get(i), depth + 1);
      }
      return next;
    }
    return -1;
  }

  private static int writeString(ExpandableArrayBuffer buf, int at, String s) {
    int n = s.length();
    boolean latin1 = true;
    for (int i = 0; i < n && latin1; i++) {
      latin1 = s.charAt(i) < 256;
    }
    buf.putByte(at, latin1 ? LATIN1 : UTF16);
    buf.putInt(at + 1, n, ORDER);
    int p = at + 5;
    if (latin1) {
      for (int i = 0; i < n; i++) {
        buf.putByte(p++, (byte) s.charAt(i));
      }
    } else {
      for (int i = 0; i < n; i++, p += 2) {
        buf.putChar(p, s.charAt(i), ORDER);
      }
    }
    return p;
  }

  private static SerdeException refused(String what) {
    return new SerdeException("refused to deserialize: " + what, null);
  }

  /** Reads one value, checking every tag, length, count and the depth before using or allocating anything. */
  private static final class Reader {
    private final UnsafeBuffer in;
    private final int limit;
    int position = 1;

    Reader(byte[] bytes) {
      this.in = new UnsafeBuffer(bytes);
      this.limit = bytes.length;
    }

    private void need(long n, String what) {
      if (n > limit - position) {
        throw refused("" + what + " needs " + n + " bytes at byte " + position
            + " but " + (limit - position) + " are left");
      }
    }

    private int length(int unit, String what) {
      need(4, what + " length");
      int n = in.getInt(position, ORDER);
      if (n < 0) {
        throw refused("" + what + " of negative length " + n + " at byte " + position);
      }
      position += 4;
      need((long) n * unit, what);
      return n;
    }

    Object value(int depth) {
      need(1, "a value's tag");
      byte tag = in.getByte(position++);
      switch (tag) {
        case NULL:
          return null;
        case TRUE:
          return Boolean.TRUE;
        case FALSE:
          return Boolean.FALSE;
        case INT: {
          need(4, "an Integer");
          int v = in.getInt(position, ORDER);
          position += 4;
          return v;
        }
        case LONG: {
          need(8, "a Long");
          long v = in.getLong(position, ORDER);
          position += 8;
          return v;
        }
        case DOUBLE: {
          need(8, "a Double");
          long v = in.getLong(position, ORDER);
          position += 8;
          return Double.longBitsToDouble(v);
        }
        case LATIN1: {
          int n = length(1, "a string");
          byte[] b = new byte[n];
          in.getBytes(position, b);
          position += n;
          return new String(b, StandardCharsets.ISO_8859_1);
        }
        case UTF16: {
          int n = length(2, "a string");
          char[] cs = new char[n];
          for (int i = 0; i < n; i++, position += 2) {
            cs[i] = in.getChar(position, ORDER);
          }
          return new String(cs);
        }
        case BYTES: {
          int n = length(1, "a byte array");
          byte[] b = new byte[n];
          in.getBytes(position, b);
          position += n;
          return b;
        }
        case PAIR: {
          checkDepth(depth);
          Object key = value(depth + 1);
          if (key == null) {
            throw refused("a KV with a null key at byte " + position);
          }
          return KV.of(key, value(depth + 1));
        }
        case LIST: {
          checkDepth(depth);
          int n = length(1, "a list"); // every element takes at least one byte
          // capacity from the claim only up to a bound: lists nested MAX_DEPTH deep may each claim every
          // byte left, and what is allocated must follow the elements really read
          List<Object> list = new ArrayList<>(Math.min(n, MAX_PRESIZED_LIST));
          for (int i = 0; i < n; i++) {
            list.add(value(depth + 1));
          }
          return list;
        }
        default:
          throw refused("unknown tag " + tag + " at byte " + (position - 1));
      }
    }

    private void checkDepth(int depth) {
      if (depth >= MAX_DEPTH) {
        throw refused("values nested deeper than " + MAX_DEPTH);
      }
    }
  }
}
