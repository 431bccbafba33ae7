package io.sluice.peers;

import io.sluice.outputs.DynamicSink;
import io.sluice.outputs.StatelessSinkPartition;
import java.util.concurrent.atomic.LongAdder;
import org.apache.flink.streaming.api.functions.sink.SinkFunction;

/** Sinks that only count what reaches them, one per engine (the Flink job runs in this JVM, so a static counter works). */
public final class Counters {
  private Counters() {}

  static final LongAdder FLINK = new LongAdder();

  /** A Sluice sink: each worker's partition adds its batches' sizes. */
  public static final class SluiceCount implements DynamicSink<Object> {
    public final LongAdder count = new LongAdder();

    @Override
    public StatelessSinkPartition<Object> build(String stepId, int worker, int workers) {
      return items -> count.add(items.size());
    }
  }

  /** A Flink sink that adds to {@link #FLINK}. */
  public static final class FlinkCount<T> implements SinkFunction<T> {
    @Override
    public void invoke(T value, Context context) {
      FLINK.increment();
    }
  }
}
