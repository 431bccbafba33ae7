package io.sluice.peers.nexmark;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.connectors.ListSink;
import io.sluice.peers.PeerRun;
import io.sluice.run.RunConfig;
import io.sluice.run.Sluice;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Sluice and Flink give the same NEXMark outputs (as multisets: both engines run 2 workers, so
 * order across workers differs) on 20,000 generated events (2 s of event time). The windowed
 * queries (Q5, Q7, Q8) are also checked against a direct computation ({@link NexmarkReference}),
 * with Sluice at 1, 2 and 4 workers, and no window step of Sluice's may find an item late. Lives in
 * the benchmarks' peers module, outside the default build:
 * {@code ./mvnw -P bench -pl benchmarks/peers -am verify}.
 */
class NexmarkEquivalenceTest {
  private static final long EVENTS = 20_000;

  @ParameterizedTest(name = "Q{0}")
  @ValueSource(ints = {0, 1, 2, 3})
  void sluiceAndFlinkAgree(int query) throws Exception {
    Generator gen = new Generator(7);
    ListSink<Object> sink = new ListSink<>();
    Sluice.run(SluiceNexmark.flow(query, gen, EVENTS, 100, sink), RunConfig.workers(2));
    List<String> sluice = sorted(sink.items());

    StreamExecutionEnvironment env = PeerRun.environment(2);
    List<Object> flinkOut = new ArrayList<>();
    try (CloseableIterator<Object> it = FlinkNexmark.query(query, FlinkNexmark.events(env, gen, EVENTS))
        .executeAndCollect("q" + query)) {
      it.forEachRemaining(flinkOut::add);
    }
    List<String> flink = sorted(flinkOut);

    long expected = switch (query) {
      case 0 -> EVENTS;
      case 1 -> EVENTS / Generator.TOTAL_PROPORTION * Generator.BID_PROPORTION;
      default -> -1;
    };
    if (expected >= 0) {
      assertThat(sluice).hasSize((int) expected);
    } else {
      assertThat(sluice).as("a selective query still selects something").isNotEmpty();
    }
    assertThat(sluice).isEqualTo(flink);
  }

  /** Events per chunk of the windowed queries' interleaved sources (one chunk per batch and epoch in Sluice). */
  private static final int CHUNK = 100;

  @ParameterizedTest(name = "Q{0}")
  @ValueSource(ints = {5, 7, 8})
  void windowedQueriesAgreeWithEachOtherAndWithADirectComputation(int query) throws Exception {
    Generator gen = new Generator(7);
    List<String> expected = sorted(NexmarkReference.windowed(query, gen, EVENTS));
    assertThat(expected).as("Q%d selects something", query).hasSizeGreaterThanOrEqualTo(10);

    StreamExecutionEnvironment env = PeerRun.environment(2);
    List<Object> flinkOut = new ArrayList<>();
    try (CloseableIterator<?> it = FlinkNexmark.windowedQuery(query, FlinkNexmark.windowedEvents(env, gen, EVENTS, CHUNK, 2))
        .executeAndCollect("q" + query)) {
      it.forEachRemaining(flinkOut::add);
    }
    assertThat(sorted(flinkOut)).as("Flink's Q%d", query).isEqualTo(expected);

    for (int workers : new int[] {1, 2, 4}) {
      ListSink<Object> sink = new ListSink<>();
      ListSink<Object> late = new ListSink<>();
      Sluice.run(SluiceNexmark.windowedFlow(query, gen, EVENTS, CHUNK, workers, sink, late),
          SluiceNexmark.windowedConfig(workers));
      assertThat(late.items()).as("Sluice's late items, Q%d at %d workers", query, workers).isEmpty();
      assertThat(sorted(sink.items())).as("Sluice's Q%d at %d workers", query, workers).isEqualTo(expected);
    }
  }

  private static List<String> sorted(List<?> items) {
    List<String> out = new ArrayList<>(items.size());
    for (Object o : items) {
      out.add(o.toString());
    }
    out.sort(null);
    return out;
  }
}
