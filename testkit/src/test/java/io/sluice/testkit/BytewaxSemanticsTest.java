package io.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.connectors.FileSink;
import io.sluice.dataflow.CollectTimeout;
import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.KV;
import io.sluice.dataflow.KeyedStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;

/** collect's timeout as Bytewax counts it, the keyed type kept by inspect, sinks that flush every batch. */
class BytewaxSemanticsTest {

  /** One key, values at 0 s, 1.3 s and 2.6 s, maxSize 100, timeout 2 s. */
  static Dataflow collectFlow(TestSink<KV<String, List<Integer>>> out, CollectTimeout from) {
    Dataflow flow = new Dataflow("collect-" + from);
    Script<Integer> script = Script.of(1).pause(Duration.ofMillis(1300)).then(2).pause(Duration.ofMillis(1300)).then(3);
    KeyedStream<String, Integer> keyed = flow.input("in", TestSource.of(script)).keyOn("key", i -> "k");
    (from == null ? keyed.collect("collect", 100, Duration.ofSeconds(2))
        : keyed.collect("collect", 100, Duration.ofSeconds(2), from)).output("out", out);
    return flow;
  }

  @DataflowTest(workers = {1, 3}, processes = {1, 2})
  void collectRestartsItsTimeoutAtEveryValueAsBytewaxDoes(DataflowRunner runner) {
    TestSink<KV<String, List<Integer>>> out = new TestSink<>();
    TestRun run = runner.run(collectFlow(out, null));
    assertThat(run.output(out).items()).containsExactly(KV.of("k", List.of(1, 2, 3)));
  }

  @DataflowTest(workers = {1, 3})
  void collectSinceFirstValueEmitsAListOnceItsFirstValueIsTimeoutOld(DataflowRunner runner) {
    TestSink<KV<String, List<Integer>>> out = new TestSink<>();
    TestRun run = runner.run(collectFlow(out, CollectTimeout.SINCE_FIRST_VALUE));
    assertThat(run.output(out).items()).containsExactly(KV.of("k", List.of(1, 2)), KV.of("k", List.of(3)));
  }

  @DataflowTest(workers = {1, 3})
  void inspectOnAKeyedStreamKeepsItKeyed(DataflowRunner runner) {
    TestSink<KV<String, Long>> out = new TestSink<>();
    Dataflow flow = new Dataflow("inspect-keyed");
    List<KV<String, Integer>> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    KeyedStream<String, Integer> keyed = flow.input("in", TestSource.of(1, 2, 3, 4)).keyOn("key", i -> i % 2 == 0 ? "even" : "odd");
    // both inspect overloads return a KeyedStream, so keyed operators follow directly
    KeyedStream<String, Integer> a = keyed.inspect("look", seen::add);
    KeyedStream<String, Integer> b = a.inspect("look-worker", (kv, worker, epoch) -> { });
    b.foldFinal("count", () -> 0L, (n, v) -> n + 1).output("out", out);
    TestRun run = runner.run(flow);
    assertThat(run.output(out).items()).containsExactlyInAnyOrder(KV.of("even", 2L), KV.of("odd", 2L));
    assertThat(seen).hasSize(4);
  }

  @DataflowTest(workers = {1, 2})
  void fileSinkMakesEachBatchVisibleWhenWriteBatchReturns(DataflowRunner runner, @TempDir Path dir) throws Exception {
    Path file = dir.resolve("out.txt");
    Dataflow flow = new Dataflow("flushed");
    flow.input("in", TestSource.of(Script.of("early").pause(Duration.ofSeconds(3)).then("late")))
        .map("upper", s -> s.toUpperCase())
        .output("out", new FileSink<>(file));
    CompletableFuture<TestRun> run = CompletableFuture.supplyAsync(() -> runner.withSystemClock().run(flow)); // a real pause
    // during the 3 s pause the first batch is already in the file
    await("EARLY in " + file + " during the pause").atMost(2500, TimeUnit.MILLISECONDS)
        .pollInterval(Duration.ofMillis(20))
        .until(() -> read(file).equals("EARLY\n"));
    assertThat(run.isDone()).as("the run is still in the pause").isFalse();
    run.get(30, TimeUnit.SECONDS);
    assertThat(read(file)).isEqualTo("EARLY\nLATE\n");
  }

  @DataflowTest(workers = 1)
  void fileSinkWithSyncForcesEachBatch(DataflowRunner runner, @TempDir Path dir) {
    Path file = dir.resolve("synced.txt");
    FileSink<String> sink = new FileSink<String>(file).withSync(true);
    assertThat(sink.sync()).isTrue();
    Dataflow flow = new Dataflow("synced");
    flow.input("in", TestSource.of("a", "b").withBatchSize(1)).output("out", sink);
    runner.run(flow);
    assertThat(read(file)).isEqualTo("a\nb\n");
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
