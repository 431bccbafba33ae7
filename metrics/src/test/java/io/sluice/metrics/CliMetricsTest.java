package io.sluice.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import io.sluice.run.Cli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** {@code sluice run --metrics-port} finds this module with ServiceLoader and serves while the flow runs. */
public class CliMetricsTest {
  static final AtomicBoolean RELEASE = new AtomicBoolean();

  public static Dataflow flow() {
    Dataflow flow = new Dataflow("cli-metered");
    flow.input("in", new SluiceMetricsTest.GatedSource(50, RELEASE)).map("inc", i -> i + 1)
        .output("out", new ListSink<>());
    return flow;
  }

  @Test
  void servesMetricsAndHealthWhileTheCliRuns() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    StringWriter err = new StringWriter();
    RELEASE.set(false);
    String[] args = {"run", CliMetricsTest.class.getName(), "-w", "2", "--metrics-port", "127.0.0.1:" + port};
    CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(
        () -> Cli.execute(args, new PrintWriter(new StringWriter(), true), new PrintWriter(err, true)));
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    try {
      await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
        assertThat(exit).as("the CLI ended early: %s", err).isNotDone();
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        Map<String, Double> m = SluiceMetricsTest.parse(http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofString()).body());
        assertThat(m).containsEntry("sluice_step_items_in_total{flow=cli-metered,process=0,step=inc,worker=1}", 50.0);
      });
    } finally {
      RELEASE.set(true);
    }
    assertThat(exit.get(30, TimeUnit.SECONDS)).as(err.toString()).isZero();
  }
}
