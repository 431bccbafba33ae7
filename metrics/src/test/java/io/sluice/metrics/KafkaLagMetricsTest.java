package io.sluice.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import io.sluice.kafka.KafkaSource;
import io.sluice.run.RunConfig;
import io.sluice.run.RunningDataflow;
import io.sluice.run.Sluice;
import io.sluice.testkit.kafka.KafkaBroker;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Kafka consumer lag on {@code /metrics}: the source's consumers' own {@code records-lag}, bound
 * with Micrometer's KafkaClientMetrics, against a real (embedded KRaft) broker, scraped over HTTP.
 */
class KafkaLagMetricsTest {
  @RegisterExtension
  static final KafkaBroker broker = KafkaBroker.shared();

  private static final Duration BOUND = Duration.ofSeconds(60);
  private static final String LAG = "kafka_consumer_fetch_manager_records_lag";
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private SluiceMetrics metrics;

  @BeforeEach
  void serve() {
    metrics = SluiceMetrics.serve(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
  }

  @AfterEach
  void close() {
    metrics.close();
  }

  @Test
  void theLagIsWhatTheFlowHasNotReadAndZeroOnceItReadEverything() throws Exception {
    String topic = broker.createUniqueTopic("lag", 1);
    int n = 50;
    broker.produceStrings(topic, 0, IntStream.range(0, n).mapToObj(i -> "v" + i).toList());

    // the first item holds the only worker until the test has read the metrics: the consumer has
    // polled exactly once, so its lag is what that poll left unread
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean held = new AtomicBoolean();
    ListSink<String> sink = new ListSink<>();
    Dataflow flow = new Dataflow("lagging");
    flow.input("in", KafkaSource.builder(broker.bootstrapServers(), topic).batchSize(10).tail(true).build())
        .map("hold", m -> {
          if (held.compareAndSet(false, true)) {
            hold(release);
          }
          return new String(m.value(), java.nio.charset.StandardCharsets.UTF_8);
        })
        .output("out", sink);
    RunningDataflow run = Sluice.start(flow, RunConfig.workers(1).withObserver(metrics));
    // KafkaClientMetrics' tags (client id, kafka version, topic, partition) and the run's
    String tags = "{client_id=sluice-in-" + topic + "-0,flow=lagging,kafka_version=" + KafkaBroker.kafkaVersion()
        + ",partition=0,process=0,step=in,topic=" + topic + ",worker=0}";
    try {
      await().atMost(BOUND).untilAsserted(() -> assertThat(scrape()).as("%s", LAG + tags).containsKey(LAG + tags));
      Map<String, Double> m = scrape();
      double readByTheSource = m.get("sluice_step_items_out_total{flow=lagging,process=0,step=in,worker=0}");
      assertThat(readByTheSource).isBetween(1.0, 10.0);
      assertThat(m.get(LAG + tags)).as("records lag while the flow is held").isEqualTo(n - readByTheSource);
    } finally {
      release.countDown();
    }
    try {
      await().atMost(BOUND).untilAsserted(() -> {
        assertThat(sink.items()).hasSize(n);
        assertThat(scrape()).containsEntry(LAG + tags, 0.0);
      });
      // new records: read, and the lag is back to 0
      broker.produceStrings(topic, 0, List.of("x", "y", "z"));
      await().atMost(BOUND).untilAsserted(() -> {
        assertThat(sink.items()).hasSize(n + 3);
        Map<String, Double> m = scrape();
        assertThat(m).containsEntry(LAG + tags, 0.0);
        assertThat(m).containsEntry("sluice_step_items_out_total{flow=lagging,process=0,step=in,worker=0}", n + 3.0);
      });
    } finally {
      run.stop("test over");
    }
    run.await(BOUND);
    // the partition closed: its consumer's meters went with it
    assertThat(scrape().keySet()).noneMatch(k -> k.startsWith("kafka_consumer_"));
  }


  @Test
  void everyPartitionOfEveryWorkerHasItsLag() throws Exception {
    String topic = broker.createUniqueTopic("lag-many", 3);
    for (int p = 0; p < 3; p++) {
      int part = p;
      broker.produceStrings(topic, p, IntStream.range(0, 10 + p).mapToObj(i -> part + "-" + i).toList());
    }
    ListSink<Object> sink = new ListSink<>();
    Dataflow flow = new Dataflow("lagging-many");
    flow.input("in", KafkaSource.builder(broker.bootstrapServers(), topic).tail(true).build()).output("out", sink);
    RunningDataflow run = Sluice.start(flow, RunConfig.workers(2).withObserver(metrics));
    try {
      await().atMost(BOUND).untilAsserted(() -> {
        assertThat(sink.items()).hasSize(33);
        Map<String, Double> m = scrape();
        for (int p = 0; p < 3; p++) {
          int part = p;
          // partitions are dealt to the workers; each partition's lag is there once, 0, on its worker
          assertThat(m.entrySet()).filteredOn(e -> e.getKey().startsWith(LAG + "{")
                  && e.getKey().contains(",partition=" + part + ",") && e.getKey().contains(",topic=" + topic + ","))
              .singleElement().satisfies(e -> {
                assertThat(e.getValue()).isZero();
                assertThat(e.getKey()).contains("flow=lagging-many", "step=in", "client_id=sluice-in-" + topic + "-" + part);
              });
        }
      });
    } finally {
      run.stop("test over");
    }
    run.await(BOUND);
  }

  private static void hold(CountDownLatch release) {
    try {
      if (!release.await(BOUND.toSeconds(), TimeUnit.SECONDS)) {
        throw new IllegalStateException("the test never released the flow");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while held", e);
    }
  }

  private Map<String, Double> scrape() throws Exception {
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metrics.port() + "/metrics"))
        .timeout(Duration.ofSeconds(10)).GET().build();
    HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return SluiceMetricsTest.parse(r.body());
  }
}
