package io.sluice.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import io.sluice.inputs.DynamicSource;
import io.sluice.inputs.StatelessSourcePartition;
import io.sluice.run.RunConfig;
import io.sluice.run.RunResult;
import io.sluice.run.RunningDataflow;
import io.sluice.run.Sluice;
import io.sluice.run.StepFailedException;
import io.sluice.run.StepStats;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SluiceMetricsTest {
  private static final Duration BOUND = Duration.ofSeconds(30);
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private SluiceMetrics metrics;

  @BeforeEach
  void serve() throws Exception {
    metrics = SluiceMetrics.serve(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
  }

  @AfterEach
  void close() {
    metrics.close();
  }

  /** Each worker emits {@code perWorker} numbers at once, then nothing until {@code release} is set, then ends. */
  record GatedSource(int perWorker, AtomicBoolean release) implements DynamicSource<Integer> {
    @Override
    public StatelessSourcePartition<Integer> build(String stepId, int workerIndex, int workerCount) {
      return new StatelessSourcePartition<>() {
        boolean sent;

        @Override
        public List<Integer> nextBatch() {
          if (!sent) {
            sent = true;
            List<Integer> items = new ArrayList<>();
            for (int i = 0; i < perWorker; i++) {
              items.add(workerIndex * perWorker + i);
            }
            return items;
          }
          return release.get() ? null : List.of();
        }
      };
    }
  }

  static Dataflow flow(AtomicBoolean release) {
    Dataflow flow = new Dataflow("metered");
    flow.input("in", new GatedSource(100, release))
        .map("double", i -> i * 2)
        .countFinal("count", i -> i % 7)
        .output("out", new ListSink<>());
    return flow;
  }

  @Test
  void servesCountsThatMatchTheRunsOwnStatistics() throws Exception {
    assertThat(get("/health").statusCode()).isEqualTo(503);
    assertThat(get("/health").body()).contains("STARTING");
    AtomicBoolean release = new AtomicBoolean();
    RunningDataflow run = Sluice.start(flow(release), RunConfig.workers(3).withObserver(metrics));
    try {
      // while the flow runs: every worker's 100 items are counted, and the run is healthy
      await().atMost(BOUND).untilAsserted(() -> {
        Map<String, Double> m = parse(get("/metrics").body());
        for (int w = 0; w < 3; w++) {
          assertThat(m).containsEntry("sluice_step_items_out_total{flow=metered,process=0,step=in,worker=" + w + "}", 100.0);
          assertThat(m).containsEntry("sluice_step_items_in_total{flow=metered,process=0,step=double,worker=" + w + "}", 100.0);
        }
      });
      HttpResponse<String> health = get("/health");
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(health.body()).contains("\"status\": \"RUNNING\"");
      assertThat(parse(get("/metrics").body())).containsEntry("sluice_run_running{flow=metered,process=0}", 1.0);
    } finally {
      release.set(true);
    }
    RunResult result = run.await(BOUND);

    String text = get("/metrics").body();
    Map<String, Double> m = parse(text);
    for (StepStats s : result.steps().values()) {
      for (int w = 0; w < 3; w++) {
        String tags = "{flow=metered,process=0,step=" + s.stepId() + ",worker=" + w + "}";
        assertThat(m).as("items in of %s on worker %d", s.stepId(), w)
            .containsEntry("sluice_step_items_in_total" + tags, (double) s.itemsIn(w));
        assertThat(m).as("items out of %s on worker %d", s.stepId(), w)
            .containsEntry("sluice_step_items_out_total" + tags, (double) s.itemsOut(w));
      }
    }
    assertThat(result.step("in").itemsOutPerWorker()).containsExactly(100, 100, 100);
    // every activation was timed: the histogram's count on each worker is at least one per step
    assertThat(m.get("sluice_step_activation_seconds_count{flow=metered,process=0,step=double,worker=1}")).isPositive();
    assertThat(m.get("sluice_step_activation_seconds_bucket{flow=metered,le=+Inf,process=0,step=double,worker=1}"))
        .isEqualTo(m.get("sluice_step_activation_seconds_count{flow=metered,process=0,step=double,worker=1}"));
    assertThat(text).contains("# TYPE sluice_step_activation_seconds histogram");
    assertThat(m).containsKey("sluice_exchange_queue_depth{flow=metered,process=0,step=count,worker=2}")
        .containsKey("sluice_exchange_backpressured_seconds_total{flow=metered,process=0,step=count,worker=0}")
        .containsEntry("sluice_run_running{flow=metered,process=0}", 0.0)
        .containsKey("sluice_epoch{flow=metered,process=0}")
        .containsKey("jvm_memory_used_bytes{area=heap,id=G1 Eden Space}".replace("G1 Eden Space", anyHeapPool(m)));
    assertThat(get("/health").body()).contains("FINISHED");
  }

  @Test
  void healthFailsOnceTheRunFailed() throws Exception {
    Dataflow flow = new Dataflow("failing");
    flow.input("in", new GatedSource(5, new AtomicBoolean(true))).map("explode", i -> {
      if (i == 3) {
        throw new IllegalStateException("three");
      }
      return i;
    }).output("out", new ListSink<>());
    RunningDataflow run = Sluice.start(flow, RunConfig.workers(1).withObserver(metrics));
    assertThatThrownBy(() -> run.await(BOUND)).isInstanceOf(StepFailedException.class);
    HttpResponse<String> health = get("/health");
    assertThat(health.statusCode()).isEqualTo(503);
    assertThat(health.body()).contains("\"status\": \"FAILED\"").contains("explode");
  }

  @Test
  void bindsToTheUsersOwnRegistry() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (SluiceMetrics own = SluiceMetrics.bindTo(registry)) {
      AtomicBoolean release = new AtomicBoolean(true);
      RunResult result = Sluice.start(flow(release), RunConfig.workers(2).withObserver(own)).await(BOUND);
      double out = registry.get("sluice.step.items.out").tag("step", "count").functionCounters().stream()
          .mapToDouble(c -> c.count()).sum();
      assertThat(out).isEqualTo(result.step("count").itemsOutPerWorker()[0] + result.step("count").itemsOutPerWorker()[1]);
      assertThat(registry.get("sluice.step.activation").tag("step", "in").timers()).hasSize(2);
      assertThatThrownBy(own::scrape).hasMessageContaining("scrape your own registry");
    }
    assertThat(registry.find("sluice.step.items.out").meters()).isEmpty();
  }

  private static String anyHeapPool(Map<String, Double> m) {
    for (String k : m.keySet()) {
      if (k.startsWith("jvm_memory_used_bytes{area=heap,id=")) {
        return k.substring("jvm_memory_used_bytes{area=heap,id=".length(), k.length() - 1);
      }
    }
    return "(none)";
  }

  private HttpResponse<String> get(String path) throws Exception {
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metrics.port() + path))
        .timeout(Duration.ofSeconds(10)).GET().build();
    return http.send(req, HttpResponse.BodyHandlers.ofString());
  }

  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})? (\\S+)$");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  /** Prometheus text samples as {@code name{k=v,...}} (labels sorted) to value. */
  static Map<String, Double> parse(String text) {
    Map<String, Double> samples = new HashMap<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      Matcher s = SAMPLE.matcher(line);
      if (!s.matches()) {
        throw new AssertionError("not a Prometheus sample line: " + line);
      }
      java.util.TreeMap<String, String> labels = new java.util.TreeMap<>();
      if (s.group(3) != null) {
        Matcher l = LABEL.matcher(s.group(3));
        while (l.find()) {
          labels.put(l.group(1), l.group(2));
        }
      }
      StringBuilder key = new StringBuilder(s.group(1));
      if (!labels.isEmpty()) {
        key.append('{');
        labels.forEach((k, v) -> key.append(k).append('=').append(v).append(','));
        key.setCharAt(key.length() - 1, '}');
      }
      samples.put(key.toString(), Double.parseDouble(s.group(4)));
    }
    return samples;
  }
}
