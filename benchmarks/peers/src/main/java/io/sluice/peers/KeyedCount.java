package io.sluice.peers;

import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.ValueState;
import io.sluice.inputs.DynamicSource;
import io.sluice.inputs.StatelessSourcePartition;
import io.sluice.outputs.Sink;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The keyed count pipeline of Sluice's {@code PipelineBenchmark} in both engines:
 * {@code sequence 0..n-1 → map to KEYS[i mod keys] → key by the string → running count per key → sink}.
 * Sluice: each worker generates a contiguous share of the sequence (boxed {@code Long}s, batches of
 * 1,000). Flink: {@code fromSequence} (contiguous ranges per subtask), the same map, {@code keyBy},
 * a {@code ValueState<Long>} count.
 */
public final class KeyedCount {
  private KeyedCount() {}

  static String[] keys(int keys) {
    String[] t = new String[keys];
    for (int i = 0; i < keys; i++) {
      t[i] = "key-" + i;
    }
    return t;
  }

  public static Dataflow sluice(long n, int keys, Sink<? super Long> sink) {
    String[] table = keys(keys);
    Dataflow flow = new Dataflow("keyed-count");
    flow.input("in", new Range(n, 1000))
        .map("key-of", (Long i) -> table[(int) (i % table.length)])
        .keyOn("key", (String s) -> s)
        .statefulMap("count", (ValueState<Long> state, String v) -> {
          Long c = state.get();
          Long next = c == null ? 1L : c + 1L;
          state.set(next);
          return next;
        })
        .keyRm("drop-key")
        .output("out", sink);
    return flow;
  }

  public static DataStream<Long> flink(StreamExecutionEnvironment env, long n, int keys) {
    String[] table = keys(keys);
    return env.fromSequence(0, n - 1)
        .map(i -> table[(int) (i % table.length)]).returns(Types.STRING)
        .keyBy(s -> s, Types.STRING)
        .map(new Count()).returns(Types.LONG);
  }

  /** Flink's running count per key. */
  static final class Count extends RichMapFunction<String, Long> {
    private transient org.apache.flink.api.common.state.ValueState<Long> count;

    @Override
    public void open(OpenContext ctx) {
      count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Types.LONG));
    }

    @Override
    public Long map(String key) throws Exception {
      Long c = count.value();
      Long next = c == null ? 1L : c + 1L;
      count.update(next);
      return next;
    }
  }

  /** Worker w of W generates {@code [w·n/W, (w+1)·n/W)}. */
  static final class Range implements DynamicSource<Long> {
    private final long n;
    private final int batch;

    Range(long n, int batch) {
      this.n = n;
      this.batch = batch;
    }

    @Override
    public StatelessSourcePartition<Long> build(String stepId, int worker, int workers) {
      long from = n * worker / workers;
      long to = n * (worker + 1) / workers;
      return new StatelessSourcePartition<>() {
        long next = from;

        @Override
        public List<Long> nextBatch() {
          if (next >= to) {
            return null;
          }
          int k = (int) Math.min(batch, to - next);
          List<Long> out = new ArrayList<>(k);
          for (int i = 0; i < k; i++) {
            out.add(next++);
          }
          return out;
        }
      };
    }
  }
}
