package io.sluice.benchmarks.aeron;

import io.sluice.benchmarks.serde.KryoSerde;
import io.sluice.dataflow.Dataflow;
import io.sluice.inputs.FixedPartitionedSource;
import io.sluice.inputs.SourcePartition;
import io.sluice.outputs.DynamicSink;
import io.sluice.outputs.StatelessSinkPartition;
import io.sluice.run.RunConfig;
import io.sluice.run.Sluice;
import io.sluice.serde.JavaSerde;
import io.sluice.serde.Serde;
import io.sluice.aeron.ForySerde;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Sluice side of the comparison: {@code input → redistribute → counting sink} with items
 * carrying a 32-byte payload. One source partition (read by one worker of the cluster); with one
 * worker per process, redistribute deals every other item to the other process's worker, so half
 * the items cross the process boundary over Aeron.
 */
final class SluiceExchange {
  /** The benchmark's item: a small record with a 32-byte payload. */
  record Item(byte[] payload) implements java.io.Serializable {}

  /** Which serde crosses processes: {@code fory} (the transport's default), {@code kryo} or {@code java}; system property {@code bench.serde}. */
  static final String SERDE = System.getProperty("bench.serde", "fory");

  /** What one process saw in one run. */
  record Counts(boolean readSource, long items, long batches, long firstNanos, long lastNanos) {
    long spanNanos() {
      return lastNanos - firstNanos;
    }
  }

  private SluiceExchange() {}

  /** The serde {@code bench.serde} names, set up for {@link Item}; the same as the transport's default for fory. */
  static Serde serde() {
    return switch (SERDE) {
      case "kryo" -> new KryoSerde(List.of(Item.class.getName()));
      case "java" -> new JavaSerde(List.of(Item.class.getName()));
      default -> new ForySerde(List.of(Item.class.getName()));
    };
  }

  /** Runs the flow as process {@code processId} of {@code addresses}; returns what this process's sink counted. */
  static Counts run(int processId, List<String> addresses, int workers, long items, int batchSize) {
    AtomicLong count = new AtomicLong();
    AtomicLong batches = new AtomicLong();
    AtomicLong first = new AtomicLong(Long.MAX_VALUE);
    AtomicLong last = new AtomicLong();
    boolean[] readSource = new boolean[1];
    Dataflow flow = new Dataflow("exchange-bench").registerTypes(Item.class);
    flow.input("in", new Generator(items, batchSize, readSource))
        .redistribute("spread")
        .output("count", (DynamicSink<Item>) (step, worker, workerCount) -> new StatelessSinkPartition<>() {
          @Override
          public void writeBatch(List<Item> batch) {
            long now = System.nanoTime();
            first.accumulateAndGet(now, Math::min);
            count.addAndGet(batch.size());
            batches.incrementAndGet();
            last.accumulateAndGet(now, Math::max);
          }
        });
    RunConfig cfg = RunConfig.workers(workers).withCluster(processId, addresses)
        .withIdle(io.sluice.run.IdleProfile.named(System.getProperty("bench.idle", "throughput")));
    if (!List.of("kryo", "fory", "java").contains(SERDE)) {
      throw new IllegalArgumentException("bench.serde must be fory (the default serde), kryo or java, not " + SERDE);
    }
    if (!SERDE.equals("fory")) {
      cfg = cfg.withSerde(serde()); // fory: the transport's default serde, as users get it
    }
    Sluice.start(flow, cfg).await(java.time.Duration.ofMinutes(5));
    return new Counts(readSource[0], count.get(), batches.get(), first.get(), last.get());
  }

  /** One partition producing {@code total} items in batches, each with a fresh 32-byte payload. */
  private record Generator(long total, int batchSize, boolean[] built) implements FixedPartitionedSource<Item, Long> {
    @Override
    public List<String> listPartitions() {
      return List.of("only");
    }

    @Override
    public SourcePartition<Item, Long> buildPartition(String stepId, String partition, Long resume) {
      built[0] = true;
      return new SourcePartition<>() {
        long emitted;

        @Override
        public List<Item> nextBatch() {
          if (emitted >= total) {
            return null;
          }
          int n = (int) Math.min(batchSize, total - emitted);
          List<Item> batch = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            byte[] p = new byte[32];
            long seq = emitted + i;
            p[0] = (byte) seq;
            p[1] = (byte) (seq >>> 8);
            p[2] = (byte) (seq >>> 16);
            p[3] = (byte) (seq >>> 24);
            batch.add(new Item(p));
          }
          emitted += n;
          return batch;
        }

        @Override
        public Long snapshot() {
          return emitted;
        }
      };
    }
  }
}
