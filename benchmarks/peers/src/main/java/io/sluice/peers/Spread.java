package io.sluice.peers;

import io.sluice.connectors.IterableSource;
import io.sluice.dataflow.Dataflow;
import io.sluice.outputs.Sink;
import java.util.Iterator;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Scaling with a one-partition source: {@code sequence → redistribute → map (about 2 µs of CPU
 * work per item) → sink}. With 2 workers, worker 0 reads and both do the work. Flink: a
 * parallelism-1 sequence, {@code rebalance}, the same map.
 */
public final class Spread {
  private Spread() {}

  /** Rounds of the work loop: about 2 µs on this project's machines (measured as CPU ns/item at 1 worker). */
  static final int ROUNDS = 1_000;

  /** Deterministic CPU work (an xorshift chain the JIT cannot fold away). */
  static long work(long x) {
    long h = x | 1;
    for (int i = 0; i < ROUNDS; i++) {
      h ^= h << 13;
      h ^= h >>> 7;
      h ^= h << 17;
    }
    return h;
  }

  public static Dataflow sluice(long n, Sink<? super Long> sink) {
    Dataflow flow = new Dataflow("spread");
    Iterable<Long> seq = () -> new Iterator<>() {
      long next;

      @Override
      public boolean hasNext() {
        return next < n;
      }

      @Override
      public Long next() {
        return next++;
      }
    };
    flow.input("in", IterableSource.of(seq, 1000))
        .redistribute("spread")
        .map("work", (Long i) -> work(i))
        .output("out", sink);
    return flow;
  }

  public static DataStream<Long> flink(StreamExecutionEnvironment env, long n) {
    return env.fromSequence(0, n - 1).setParallelism(1)
        .rebalance()
        .map(Spread::work).returns(Types.LONG);
  }
}
