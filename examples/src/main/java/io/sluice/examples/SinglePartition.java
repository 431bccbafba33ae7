package io.sluice.examples;

import io.sluice.connectors.IterableSource;
import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.Stream;
import io.sluice.inputs.Source;
import io.sluice.outputs.DynamicSink;
import io.sluice.outputs.Sink;
import io.sluice.outputs.StatelessSinkPartition;
import io.sluice.run.RunResult;
import io.sluice.run.Sluice;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The seed's single-partition picture: a source with one partition is read by one worker, and
 * every step after it runs on that worker too, however many workers there are. Adding
 * {@code redistribute} deals the items round-robin over all workers so the {@code work} step is
 * shared. Each worker prints how many items its {@code work} step processed.
 *
 * <pre>
 *   bin/sluice run io.sluice.examples.SinglePartition -w 4                    # worker 0 does everything
 *   bin/sluice run io.sluice.examples.SinglePartition -w 4 -- --redistribute  # all four share it
 * </pre>
 */
public final class SinglePartition {
  /** Items the example reads unless told otherwise. */
  public static final int DEFAULT_ITEMS = 100_000;

  private SinglePartition() {}

  /** CLI entry point: {@code [--redistribute] [items]}. */
  public static Dataflow flow(String[] args) {
    boolean redistribute = false;
    int items = DEFAULT_ITEMS;
    for (String a : args) {
      if (a.equals("--redistribute")) {
        redistribute = true;
      } else {
        try {
          items = Integer.parseInt(a);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("expected --redistribute or an item count, got '" + a + "'");
        }
      }
    }
    return flow(items, redistribute);
  }

  /** {@code items} numbers from a one-partition source, optionally redistributed, then {@code work}. */
  public static Dataflow flow(int items, boolean redistribute) {
    return flow(IterableSource.of(() -> IntStream.range(0, items).iterator(), 1000), redistribute, new PerWorkerCount());
  }

  /**
   * {@code numbers} (step {@code numbers}), optionally redistributed (step {@code spread}), then
   * {@code work} on each, written to {@code out} (step {@code per-worker-count}).
   */
  public static Dataflow flow(Source<Integer> numbers, boolean redistribute, Sink<? super Long> out) {
    Dataflow flow = new Dataflow(redistribute ? "single-partition-redistributed" : "single-partition");
    Stream<Integer> in = flow.input("numbers", numbers);
    if (redistribute) {
      in = in.redistribute("spread");
    }
    in.map("work", SinglePartition::work).output("per-worker-count", out);
    return flow;
  }

  /** Some CPU work per item, so that sharing it matters. */
  public static long work(int n) {
    long x = n;
    for (int i = 0; i < 200; i++) {
      x = x * 6364136223846793005L + 1442695040888963407L;
    }
    return x;
  }

  /** Prints, per worker, how many items reached it ("worker 2: 25000 items"). */
  static final class PerWorkerCount implements DynamicSink<Long> {
    @Override
    public StatelessSinkPartition<Long> build(String stepId, int workerIndex, int workerCount) {
      return new StatelessSinkPartition<>() {
        private long count;

        @Override
        public void writeBatch(List<Long> items) {
          count += items.size();
        }

        @Override
        public void close() {
          System.out.println("worker " + workerIndex + ": " + count + " items");
        }
      };
    }
  }

  /** Runs both variants on 4 workers in this JVM and prints the {@code work} step's per-worker load. */
  public static void main(String[] args) {
    for (boolean redistribute : new boolean[] {false, true}) {
      RunResult r = Sluice.run(flow(DEFAULT_ITEMS, redistribute), 4);
      System.out.println((redistribute ? "with" : "without") + " redistribute, items per worker in 'work': "
          + java.util.Arrays.toString(r.step("work").itemsInPerWorker()));
    }
  }
}
