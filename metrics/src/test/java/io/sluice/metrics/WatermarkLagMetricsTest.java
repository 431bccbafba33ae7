package io.sluice.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import io.sluice.inputs.Routing;
import io.sluice.run.LiveStats;
import io.sluice.run.RunConfig;
import io.sluice.run.RunningDataflow;
import io.sluice.run.Sluice;
import io.sluice.testkit.Script;
import io.sluice.testkit.TestSource;
import io.sluice.windowing.EventClock;
import io.sluice.windowing.Windower;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Window watermark lag per step and worker, on virtual time, so the values are exact. */
class WatermarkLagMetricsTest {
  private static final Duration BOUND = Duration.ofSeconds(60);
  private static final Instant ORIGIN = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void theLagIsTheRunsTimeMinusTheNewestWatermarkOfTheStepsKeys() throws Exception {
    // "key:seconds after ORIGIN" items; the clock waits 10 s for late items. a's item arrives at
    // ORIGIN and is 60 s old (watermark ORIGIN - 70 s, lag 70 s); 30 s later b's arrives 5 s old
    // (watermark ORIGIN + 15 s, lag 15 s): the step's watermark on the worker is the newest, b's
    Script<String> script = Script.of("a:-60").advance(Duration.ofSeconds(30)).then("b:25");
    Dataflow flow = new Dataflow("windows");
    flow.input("in", TestSource.of(script))
        .keyOn("key", s -> s.split(":")[0])
        .mapValue("seconds", s -> Long.parseLong(s.split(":")[1]))
        .countWindow("win", new EventClock<Long>(sec -> ORIGIN.plusSeconds(sec), Duration.ofSeconds(10)),
            Windower.tumbling(Duration.ofMinutes(1), ORIGIN))
        .down().output("out", new ListSink<>());
    try (SluiceMetrics metrics = SluiceMetrics.serve(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      RunningDataflow run = Sluice.start(flow, RunConfig.workers(1).withVirtualTime(ORIGIN).withObserver(metrics));
      run.await(BOUND);
      LiveStats.Step win = run.liveStats().steps().stream().filter(s -> s.stepId().equals("win")).findFirst().orElseThrow();
      assertThat(win.watermarkLagMillis()).isEqualTo(15_000);
      assertThat(win.watermarkMillis()).isEqualTo(ORIGIN.plusSeconds(15).toEpochMilli());
      assertThat(run.liveStats().steps()).filteredOn(s -> !s.stepId().equals("win")).noneMatch(LiveStats.Step::hasWatermark);

      String tags = "{flow=windows,process=0,step=win,worker=0}";
      await().atMost(BOUND).untilAsserted(() -> assertThat(SluiceMetricsTest.parse(metrics.scrape()))
          .containsEntry("sluice_window_watermark_lag_seconds" + tags, 15.0)
          .containsEntry("sluice_window_watermark_seconds" + tags, (double) ORIGIN.plusSeconds(15).getEpochSecond()));
      assertThat(metrics.scrape()).doesNotContain("sluice_window_watermark_lag_seconds{flow=\"windows\",process=\"0\",step=\"in\"");
    }
  }

  @Test
  void eachWorkerHasTheLagOfItsOwnKeys() throws Exception {
    // two keys that routing puts on different workers: each worker's gauge is its key's lag
    String early = "a";
    String late = java.util.stream.Stream.of("b", "c", "d", "e", "f", "g", "h")
        .filter(k -> Routing.workerFor(k, 2) != Routing.workerFor(early, 2)).findFirst().orElseThrow();
    Script<String> script = Script.of(early + ":-60").advance(Duration.ofSeconds(30)).then(late + ":25");
    Dataflow flow = new Dataflow("windows2");
    flow.input("in", TestSource.of(script))
        .keyOn("key", s -> s.split(":")[0])
        .mapValue("seconds", s -> Long.parseLong(s.split(":")[1]))
        .countWindow("win", new EventClock<Long>(sec -> ORIGIN.plusSeconds(sec), Duration.ofSeconds(10)),
            Windower.tumbling(Duration.ofMinutes(1), ORIGIN))
        .down().output("out", new ListSink<>());
    try (SluiceMetrics metrics = SluiceMetrics.serve(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      Sluice.start(flow, RunConfig.workers(2).withVirtualTime(ORIGIN).withObserver(metrics)).await(BOUND);
      String earlyTags = "{flow=windows2,process=0,step=win,worker=" + Routing.workerFor(early, 2) + "}";
      String lateTags = "{flow=windows2,process=0,step=win,worker=" + Routing.workerFor(late, 2) + "}";
      // the early key's watermark is 70 s behind when its item came (and stays so as time moves on)
      await().atMost(BOUND).untilAsserted(() -> assertThat(SluiceMetricsTest.parse(metrics.scrape()))
          .containsEntry("sluice_window_watermark_lag_seconds" + earlyTags, 70.0)
          .containsEntry("sluice_window_watermark_lag_seconds" + lateTags, 15.0));
    }
  }
}
