package io.sluice.aeron;

import java.nio.charset.StandardCharsets;
import org.agrona.DirectBuffer;

/**
 * Reads fields of one received message, checking every length against the bytes the message
 * really has before anything is allocated: a claimed length larger than the rest of the message is
 * a {@link Malformed} error, never an allocation.
 */
final class BoundedReader {
  /** What was read does not fit the message's own length. */
  static final class Malformed extends RuntimeException {
    Malformed(String message) {
      super(message, null, false, false);
    }
  }

  private final DirectBuffer buffer;
  private int position;
  private final int limit;

  BoundedReader(DirectBuffer buffer, int offset, int length) {
    this.buffer = buffer;
    this.position = offset;
    this.limit = offset + length;
  }

  int remaining() {
    return limit - position;
  }

  private void need(int n, String what) {
    if (n < 0 || n > remaining()) {
      throw new Malformed(what + " needs " + n + " bytes but " + remaining() + " are left");
    }
  }

  byte readByte(String what) {
    need(1, what);
    return buffer.getByte(position++);
  }

  int readInt(String what) {
    need(4, what);
    int v = buffer.getInt(position);
    position += 4;
    return v;
  }

  long readLong(String what) {
    need(8, what);
    long v = buffer.getLong(position);
    position += 8;
    return v;
  }

  byte[] readBytes(int n, String what) {
    need(n, what);
    byte[] b = new byte[n];
    buffer.getBytes(position, b);
    position += n;
    return b;
  }

  /** A count that must be within {@code [0, max]}. */
  int readCount(int max, String what) {
    int n = readInt(what);
    if (n < 0 || n > max) {
      throw new Malformed(what + " is " + n + ", outside 0.." + max);
    }
    return n;
  }

  /** A length-prefixed UTF-8 string; the length is checked against what is left first. */
  String readString(String what) {
    int n = readInt(what + " length");
    need(n, what);
    String s = buffer.getStringWithoutLengthUtf8(position, n);
    position += n;
    return s;
  }

  /** The rest of the message as UTF-8. */
  String readRestUtf8() {
    String s = buffer.getStringWithoutLengthUtf8(position, remaining());
    position = limit;
    return s;
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
