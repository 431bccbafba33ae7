package io.sluice.run;

import static io.sluice.TestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.ScriptedSource;
import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Items carry the epoch they were read in: 1 at the start, growing as epoch intervals pass. */
class EpochTest {

  @ParameterizedTest
  @ValueSource(ints = {1, 4})
  void itemsReadLaterBelongToALaterEpoch(int workers) {
    long[] firstRead = new long[1];
    ScriptedSource<String> src = ScriptedSource.<String>create()
        .emit("early")
        .waitUntil(() -> {
          if (firstRead[0] == 0) {
            firstRead[0] = System.nanoTime(); // only the source's worker runs this
          }
          return System.nanoTime() - firstRead[0] > Duration.ofMillis(20).toNanos();
        })
        .emit("late");
    Map<String, Long> epochs = new ConcurrentHashMap<>();
    Dataflow flow = new Dataflow("epochs");
    flow.input("in", src)
        .redistribute("spread")
        .inspect("epoch", (String item, int worker, long epoch) -> epochs.put(item, epoch))
        .output("out", new ListSink<>());
    run(flow, RunConfig.workers(workers).withEpochInterval(Duration.ofMillis(5)));
    assertThat(epochs.get("early")).isGreaterThanOrEqualTo(1);
    // at least 20 ms passed between the two reads: the source closed at least one 5 ms epoch in between
    // (each close waits for every worker to pass it, so how many depends on the machine, not only the time)
    assertThat(epochs.get("late")).isGreaterThan(epochs.get("early"));
  }
}
