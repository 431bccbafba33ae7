package io.sluice.kafka;

import java.nio.charset.StandardCharsets;

/** Short, readable descriptions of keys and values for messages and failure reports. */
final class Describe {
  private static final int MAX = 64;

  private Describe() {}

  static String value(Object v) {
    if (v instanceof byte[] b) {
      return bytes(b);
    }
    String s = String.valueOf(v);
    return s.length() <= MAX ? s : s.substring(0, MAX) + "...";
  }

  /** UTF-8 text when the bytes are printable, else their length. */
  static String bytes(byte[] b) {
    if (b == null) {
      return "null";
    }
    int n = Math.min(b.length, MAX);
    for (int i = 0; i < n; i++) {
      if (b[i] < 0x20 || b[i] == 0x7f) {
        return "<" + b.length + " bytes>";
      }
    }
    String s = new String(b, 0, n, StandardCharsets.UTF_8);
    return "b\"" + s + (b.length > MAX ? "...\" (" + b.length + " bytes)" : "\"");
  }
}
