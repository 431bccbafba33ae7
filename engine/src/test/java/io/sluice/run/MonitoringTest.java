package io.sluice.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.connectors.FileSource;
import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MonitoringTest {
  @Test
  void fileSourceCountsTheBytesItRead(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("a.txt"), "one\ntwo\nthree\n", StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("b.txt"), "vier\nfünf\n", StandardCharsets.UTF_8);
    FileSource source = new FileSource(dir, 1);
    long total = Files.size(dir.resolve("a.txt")) + Files.size(dir.resolve("b.txt"));
    assertThat(source.totalBytes()).isEqualTo(total);
    assertThat(source.bytesRead()).isZero();
    Dataflow flow = new Dataflow("bytes");
    ListSink<String> out = new ListSink<>();
    flow.input("in", source).output("out", out);
    RunResult r = Sluice.run(flow, 2);
    assertThat(out.items()).containsExactlyInAnyOrder("one", "two", "three", "vier", "fünf");
    assertThat(source.bytesRead()).isEqualTo(total);
    assertThat(r.step("in").itemsOutPerWorker()).containsExactly(3, 2);
  }

  @Test
  void progressLineShowsBytesOfTotalAndItemsPerSecond() {
    LiveStats s = new LiveStats("f", 0, 1, 2, LiveStats.State.RUNNING, null, 1, 0, 2_000_000_000L, List.of(
        new LiveStats.Step("in", "input", false, 0, 0, 300, 3, 3, 0, 0, -1, 0),
        new LiveStats.Step("in", "input", false, 1, 0, 100, 1, 1, 0, 0, -1, 0),
        new LiveStats.Step("out", "output", false, 0, 300, 0, 0, 3, 0, 0, -1, 0)));
    assertThat(Monitoring.progressLine(s, 3 * 1024 * 1024, 12 * 1024 * 1024))
        .isEqualTo("read 3.0 MiB of 12.0 MiB (25%), 200 items/s");
    assertThat(Monitoring.progressLine(s, 1024 * 1024, -1)).isEqualTo("read 1.0 MiB, 200 items/s");
  }

  @Test
  void theTableShowsWindowStepsWatermarkLag() {
    LiveStats s = new LiveStats("f", 0, 1, 1, LiveStats.State.RUNNING, null, 1, 0, 2_000_000_000L, List.of(
        new LiveStats.Step("in", "input", false, 0, 0, 3, 1, 1, 0, 0, -1, 0),
        new LiveStats.Step("win", "stateful_batch", true, 0, 3, 1, 1, 1, 0, 0, 0, 0, 1_000_000L, 15_300L)));
    java.io.StringWriter out = new java.io.StringWriter();
    Monitoring.printTable(s, new java.io.PrintWriter(out));
    assertThat(out.toString().lines().skip(1).map(String::strip).toList()).containsExactly(
        "step                     worker     items in    items out  watermark lag",
        "in                       0                 0            3",
        "win                      0                 3            1         15.3 s");
  }

  @Test
  void liveStatsAfterTheRunEqualItsResult() {
    Dataflow flow = new Dataflow("live");
    flow.input("in", io.sluice.connectors.IterableSource.of(List.of("a", "b", "c", "a")))
        .redistribute("spread")
        .map("upper", String::toUpperCase)
        .output("out", new ListSink<>());
    RunningDataflow run = Sluice.start(flow, RunConfig.workers(3));
    RunResult r = run.await();
    LiveStats live = run.liveStats();
    assertThat(live.state()).isEqualTo(LiveStats.State.FINISHED);
    assertThat(live.steps()).hasSize(4 * 3);
    for (LiveStats.Step row : live.steps()) {
      assertThat(row.itemsIn()).isEqualTo(r.step(row.stepId()).itemsIn(row.worker()));
      assertThat(row.itemsOut()).isEqualTo(r.step(row.stepId()).itemsOut(row.worker()));
      assertThat(row.queueDepth()).isEqualTo(row.stepId().equals("spread") ? 0 : -1);
      assertThat(row.batchesOut()).isLessThanOrEqualTo(row.itemsOut());
    }
    assertThat(live.steps()).filteredOn(row -> row.stepId().equals("spread")).allMatch(LiveStats.Step::exchanges)
        .extracting(LiveStats.Step::kind).containsOnly("redistribute");
  }
}
