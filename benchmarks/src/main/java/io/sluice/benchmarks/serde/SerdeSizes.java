package io.sluice.benchmarks.serde;

import io.sluice.serde.Serde;
import java.util.List;

/**
 * Prints the serialized size of a 1000-item batch, per serde and payload, in bytes per item
 * (the batch's bytes / 1000, so the list's own overhead is spread over its items).
 */
public final class SerdeSizes {
  private SerdeSizes() {}

  public static void main(String[] args) {
    System.out.printf("%-8s %-9s %12s %14s%n", "serde", "payload", "batch bytes", "bytes/item");
    for (String serde : Serdes.NAMES) {
      Serde s = Serdes.create(serde);
      for (String kind : Payloads.KINDS) {
        List<Object> batch = Payloads.batch(kind, 1000);
        byte[] bytes = s.serialize(batch);
        s.deserialize(bytes);
        System.out.printf("%-8s %-9s %12d %14.1f%n", serde, kind, bytes.length, bytes.length / 1000.0);
      }
    }
  }
}
