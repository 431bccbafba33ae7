package io.sluice.benchmarks.serde;

import io.sluice.aeron.ForySerde;
import io.sluice.serde.JavaSerde;
import io.sluice.serde.Serde;
import java.util.List;

/** The serde candidates, each set up as the cross-process exchange would use it for the payloads. */
public final class Serdes {
  /** Candidate names: {@code java} (Sluice's JavaSerde), {@code kryo} (KryoSerde), {@code fory} (ForySerde, the transport's default). */
  public static final List<String> NAMES = List.of("java", "kryo", "fory");

  private Serdes() {}

  public static Serde create(String name) {
    return switch (name) {
      case "java" -> new JavaSerde(List.of(Payloads.Reading.class.getName()));
      case "kryo" -> new KryoSerde(List.of(Payloads.Reading.class.getName()));
      case "fory" -> new ForySerde(List.of(Payloads.Reading.class.getName()));
      default -> throw new IllegalArgumentException("unknown serde " + name + "; one of " + NAMES);
    };
  }
}
