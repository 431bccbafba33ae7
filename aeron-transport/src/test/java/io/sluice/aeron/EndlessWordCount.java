package io.sluice.aeron;

import io.sluice.connectors.FileSink;
import io.sluice.dataflow.Dataflow;
import io.sluice.inputs.DynamicSource;
import io.sluice.inputs.StatelessSourcePartition;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A word count over lines that never end by themselves, for child JVMs run by the CLI: every
 * worker makes lines {@code "line-<worker>-<n> common"} (n = 0, 1, 2, ...), about 5,000 a second,
 * and the counts go to the file {@code args[0]} when the input ends (a graceful stop). So the file
 * tells which lines were processed: each {@code line-w-n} once, for n a gap-free prefix per worker,
 * and {@code common} counted once per line.
 */
public final class EndlessWordCount {
  private EndlessWordCount() {}

  public static Dataflow flow(String[] args) {
    Dataflow flow = new Dataflow("endless-wordcount");
    flow.input("lines", (DynamicSource<String>) (step, worker, count) -> new StatelessSourcePartition<>() {
      private long next;

      @Override
      public List<String> nextBatch() {
        List<String> batch = new ArrayList<>(10);
        for (int i = 0; i < 10; i++) {
          batch.add("line-" + worker + "-" + next++ + " common");
        }
        if (next == 1000) {
          System.err.println("worker " + worker + " read 1000 lines");
        }
        return batch;
      }

      @Override
      public Instant nextAwake() {
        return Instant.now().plusMillis(2);
      }
    }).redistribute("spread")
        .flatMap("split", line -> List.of(line.split(" ")))
        .countFinal("count", word -> word)
        .map("format", kv -> kv.key() + "\t" + kv.value())
        .output("out", new FileSink<>(Path.of(args[0])));
    return flow;
  }
}
