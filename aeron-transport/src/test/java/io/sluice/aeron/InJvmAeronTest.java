package io.sluice.aeron;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.aeron.Aeron;
import io.aeron.driver.MediaDriver;
import io.sluice.connectors.IterableSource;
import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import io.sluice.run.IdleProfile;
import io.sluice.run.RunConfig;
import io.sluice.run.TransportThreading;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.junit.jupiter.api.Test;

/** The in-JVM cluster's Aeron settings are applied and do what they are for (their effect on run times is measured in docs/PERFORMANCE.md). */
class InJvmAeronTest {
  @Test
  void theSharedDriverResolvesOnItsConductorAndClientsWaitWithoutMillisecondSleeps() {
    MediaDriver.Context driver = InJvmAeron.driver(new MediaDriver.Context());
    assertThat(driver.asyncExecutorEnabled()).isFalse();
    Aeron.Context client = InJvmAeron.client(new Aeron.Context());
    assertThat(client.awaitingIdleStrategy()).isInstanceOf(BackoffIdleStrategy.class);
    assertThat(client.idleStrategy()).isInstanceOf(SleepingMillisIdleStrategy.class);
  }

  @Test
  void theSharedDriverFreesEndedPublicationsImagesAndCountersWithinAFractionOfASecond() {
    MediaDriver.Context driver = InJvmAeron.driver(new MediaDriver.Context());
    MediaDriver.Context defaults = new MediaDriver.Context();
    assertThat(driver.publicationLingerTimeoutNs()).isEqualTo(100_000_000L).isLessThan(defaults.publicationLingerTimeoutNs());
    assertThat(driver.statusMessageTimeoutNs()).isEqualTo(20_000_000L).isLessThan(defaults.statusMessageTimeoutNs());
    assertThat(driver.timerIntervalNs()).isEqualTo(50_000_000L).isLessThan(defaults.timerIntervalNs());
    assertThat(driver.counterFreeToReuseTimeoutNs()).isEqualTo(10_000_000L)
        .isLessThan(defaults.counterFreeToReuseTimeoutNs());
  }

  /**
   * Each run leaves a publication and an image per stream and peer in the shared driver: they are
   * all freed once the runs are over (none is leaked by the shorter timeouts above).
   */
  @Test
  void theSharedDriverFreesWhatFinishedRunsLeave() {
    // a term length of its own: a shared driver no other test of this JVM uses
    AeronTransport.Settings settings = new AeronTransport.Settings(Duration.ofSeconds(30), Duration.ofSeconds(30),
        256 * 1024).withSharedDriver();
    Path dir = Path.of(SharedDrivers.driver(settings, IdleProfile.THROUGHPUT, TransportThreading.SHARED).directory());
    java.util.concurrent.atomic.AtomicInteger seenDuringARun = new java.util.concurrent.atomic.AtomicInteger();
    for (int run = 0; run < 8; run++) {
      ClusterSecret secret = ClusterSecret.generate();
      RunConfig config = RunConfig.workers(1).withTransport(() -> new AeronTransport(settings.withSecret(secret)));
      List<ListSink<Integer>> sinks = List.of(new ListSink<>(), new ListSink<>());
      LocalCluster.run(2, config, p -> {
        Dataflow flow = new Dataflow("linger");
        flow.input("in", IterableSource.of(IntStream.range(0, 100).boxed().toList(), 10))
            .redistribute("spread")
            .map("look", i -> {
              seenDuringARun.accumulateAndGet(logs(dir).size(), Math::max);
              return i;
            })
            .output("out", sinks.get(p));
        return flow;
      }, Duration.ofSeconds(60));
      assertThat(sinks.get(0).items().size() + sinks.get(1).items().size()).isEqualTo(100);
    }
    assertThat(seenDuringARun.get()).as("log buffers in %s while a run was on", dir).isGreaterThanOrEqualTo(4);

    await("the finished runs' publications and images freed").atMost(Duration.ofSeconds(3))
        .pollInterval(Duration.ofMillis(20))
        .untilAsserted(() -> assertThat(logs(dir)).isEmpty());
  }

  /** The log buffers of the driver's live publications and images. */
  private static List<Path> logs(Path driverDirectory) {
    return Stream.of("publications", "images").map(driverDirectory::resolve).filter(Files::isDirectory)
        .flatMap(d -> {
          try (Stream<Path> files = Files.list(d)) {
            return files.toList().stream();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }).toList();
  }
}
