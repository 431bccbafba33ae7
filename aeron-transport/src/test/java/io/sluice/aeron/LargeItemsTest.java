package io.sluice.aeron;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.connectors.IterableSource;
import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import io.sluice.run.RunConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Items larger than one Aeron message (a term / 8: 128 KiB with the default 1 MiB terms) cross
 * processes: their batch goes in pieces and is reassembled, up to {@code sluice.aeron.maxBatchBytes}.
 */
class LargeItemsTest {

  /** Process p reads {@code count} strings of {@code size} chars; every worker of both processes gets some. */
  private static List<String> run(int count, int size, int batchSize, RunConfig config) {
    List<ListSink<String>> sinks = List.of(new ListSink<>(), new ListSink<>());
    IntFunction<Dataflow> flows = p -> {
      Dataflow flow = new Dataflow("large");
      flow.input("strings", IterableSource.of(() -> IntStream.range(0, count)
              .mapToObj(i -> String.valueOf((char) ('a' + i % 26)).repeat(size) + i).iterator(), batchSize))
          .redistribute("spread")
          // the first char, the length and a check of every char: the whole item crossed intact
          .map("summary", s -> s.charAt(0) + ":" + s.length() + ":" + s.chars().limit(size).allMatch(c -> c == s.charAt(0)))
          .output("out", sinks.get(p));
      return flow;
    };
    LocalCluster.run(2, config, flows, Duration.ofSeconds(120));
    List<String> all = new ArrayList<>(sinks.get(0).items());
    all.addAll(sinks.get(1).items());
    assertThat(sinks.get(0).items()).as("process 0's share").isNotEmpty();
    assertThat(sinks.get(1).items()).as("process 1's share").isNotEmpty();
    return all;
  }

  private static List<String> expected(int count, int size) {
    return IntStream.range(0, count)
        .mapToObj(i -> (char) ('a' + i % 26) + ":" + (size + String.valueOf(i).length()) + ":true").toList();
  }

  @Test
  void eightStringsOf200KilobytesCrossTwoProcesses() {
    assertThat(run(8, 200_000, 8, RunConfig.workers(1))).containsExactlyInAnyOrderElementsOf(expected(8, 200_000));
  }

  @Test
  void stringsOf64MegabytesCrossTwoProcesses() {
    assertThat(run(2, 64 << 20, 1, RunConfig.workers(1))).containsExactlyInAnyOrderElementsOf(expected(2, 64 << 20));
  }

  @Test
  void anItemAboveTheConfiguredMaximumFailsNamingTheSettingAndStep() {
    String old = System.getProperty(AeronTransport.Settings.MAX_BATCH_BYTES_PROPERTY);
    System.setProperty(AeronTransport.Settings.MAX_BATCH_BYTES_PROPERTY, String.valueOf(150_000));
    try {
      assertThatThrownBy(() -> run(4, 200_000, 4, RunConfig.workers(1)))
          .hasStackTraceContaining("serializes to")
          .hasStackTraceContaining(AeronTransport.Settings.MAX_BATCH_BYTES_PROPERTY)
          .hasStackTraceContaining("step 'spread'");
    } finally {
      if (old == null) {
        System.clearProperty(AeronTransport.Settings.MAX_BATCH_BYTES_PROPERTY);
      } else {
        System.setProperty(AeronTransport.Settings.MAX_BATCH_BYTES_PROPERTY, old);
      }
    }
  }
}
