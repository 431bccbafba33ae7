package io.sluice.benchmarks.serde;

import io.sluice.serde.Serde;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Serializes and deserializes one batch (ArrayList) of 1000 items per operation; items/s = ops/s ×
 * 1000. The forked JVM gets only the flag every Sluice JVM gets ({@code --add-exports
 * java.base/jdk.internal.misc=ALL-UNNAMED}): a candidate that needed more would fail here.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx1g"})
public class SerdeBenchmark {
  static final int BATCH = 1000;

  @Param({"java", "kryo", "fory"})
  public String serde;

  @Param({"readings", "kv", "bytes32"})
  public String payload;

  private Serde s;
  private List<Object> batch;
  private byte[] bytes;

  @Setup
  public void setup() {
    s = Serdes.create(serde);
    batch = Payloads.batch(payload, BATCH);
    bytes = s.serialize(batch);
    List<?> back = (List<?>) s.deserialize(bytes);
    for (int i = 0; i < BATCH; i++) {
      Object a = batch.get(i);
      Object b = back.get(i);
      boolean same = a instanceof byte[] x ? Arrays.equals(x, (byte[]) b) : a.equals(b);
      if (!same) {
        throw new IllegalStateException(serde + " does not round-trip " + a + ", got " + b);
      }
    }
  }

  @Benchmark
  public byte[] serialize() {
    return s.serialize(batch);
  }

  @Benchmark
  public Object deserialize() {
    return s.deserialize(bytes);
  }

  @Benchmark
  public Object roundTrip() {
    return s.deserialize(s.serialize(batch));
  }
}
