package io.sluice.aeron;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.connectors.IterableSource;
import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.KV;
import io.sluice.inputs.Routing;
import io.sluice.run.RunConfig;
import io.sluice.run.RunResult;
import io.sluice.run.Sluice;
import java.io.IOException;
import java.net.DatagramSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TwoProcessTest {
  static List<String> freeAddresses(int n) throws IOException {
    List<String> out = new ArrayList<>();
    List<DatagramSocket> held = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        DatagramSocket s = new DatagramSocket(0);
        held.add(s);
        out.add("localhost:" + s.getLocalPort());
      }
    } finally {
      held.forEach(DatagramSocket::close);
    }
    return out;
  }

  static Dataflow countFlow(ListSink<KV<String, Long>> sink, int items) {
    Dataflow flow = new Dataflow("count");
    flow.input("numbers", IterableSource.of(() -> IntStream.range(0, items).iterator(), 500))
        .countFinal("count", i -> "k" + (i % 97))
        .output("out", sink);
    return flow;
  }

  @Test
  void keyedCountOverTwoProcessesEqualsOneProcess() throws Exception {
    int items = 200_000;
    List<String> addresses = freeAddresses(2);
    List<ListSink<KV<String, Long>>> sinks = List.of(new ListSink<>(), new ListSink<>());
    List<CompletableFuture<RunResult>> runs = new ArrayList<>();
    for (int p = 0; p < 2; p++) {
      int pid = p;
      RunConfig cfg = RunConfig.workers(2).withCluster(pid, addresses).withRecordKeys(true);
      runs.add(CompletableFuture.supplyAsync(() -> Sluice.start(countFlow(sinks.get(pid), items), cfg)
          .await(Duration.ofSeconds(60))));
    }
    List<RunResult> results = new ArrayList<>();
    for (CompletableFuture<RunResult> r : runs) {
      results.add(r.get());
    }
    Map<String, Long> counts = new TreeMap<>();
    for (ListSink<KV<String, Long>> s : sinks) {
      s.items().forEach(kv -> assertThat(counts.put(kv.key(), kv.value())).isNull());
    }
    Map<String, Long> expected = IntStream.range(0, items).mapToObj(i -> "k" + (i % 97))
        .collect(Collectors.groupingBy(k -> k, TreeMap::new, Collectors.counting()));
    assertThat(counts).isEqualTo(expected);
    // every key was counted on the worker routing predicts, in whichever process that worker lives
    for (int p = 0; p < 2; p++) {
      for (int w = 0; w < 4; w++) {
        for (Object k : results.get(p).step("count").keys(w)) {
          assertThat(Routing.workerFor(k, 4)).isEqualTo(w);
          assertThat(w / 2).isEqualTo(p);
        }
      }
    }
  }
}
