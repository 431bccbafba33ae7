package io.sluice.benchmarks.serde;

import io.sluice.dataflow.KV;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/** The batches the serde benchmarks serialize: 1000 small items of one kind each. */
public final class Payloads {
  /** A small user record: the typical item of a sensor dataflow. */
  public record Reading(String sensor, long ts, double value) implements Serializable {}

  /** Payload kinds: {@code readings}, {@code kv} ({@code KV<String, Long>}), {@code bytes32} (32-byte arrays). */
  public static final List<String> KINDS = List.of("readings", "kv", "bytes32");

  private Payloads() {}

  /** A batch (ArrayList) of {@code n} items of {@code kind}. */
  public static List<Object> batch(String kind, int n) {
    List<Object> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(switch (kind) {
        case "readings" -> new Reading("sensor-" + (i % 64), 1_764_000_000_000L + i, i * 0.25);
        case "kv" -> KV.of("key-" + (i % 1000), (long) i * 31);
        case "bytes32" -> bytes32(i);
        default -> throw new IllegalArgumentException("unknown payload " + kind + "; one of " + KINDS);
      });
    }
    return out;
  }

  static byte[] bytes32(int seed) {
    byte[] b = new byte[32];
    for (int j = 0; j < b.length; j++) {
      b[j] = (byte) (seed * 31 + j);
    }
    return b;
  }
}
