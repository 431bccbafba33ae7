package io.sluice.aeron;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.connectors.IterableSource;
import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.FlowValidationException;
import io.sluice.run.IdleProfile;
import io.sluice.run.RunConfig;
import io.sluice.run.TransportThreading;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Attacks on the JVM's shared media driver with the short timers of {@link InJvmAeron} (timer 50
 * ms, status messages every 20 ms, publication linger 100 ms, counter reuse after 10 ms): many
 * clusters at once on it, in both threading modes, slow receivers with large split batches, a
 * failing run among running ones, workers blocked for longer than the peer timeout. Nothing may
 * be lost, nothing may hang, and everything a run adds to the driver is freed once the runs end.
 * Real shared media drivers, UDP on loopback.
 */
class SharedDriverAttackTest {
  private static final Duration RUN_TIMEOUT = Duration.ofSeconds(60);

  /** {@code count} numbers read by every process, exchanged, each multiplied by 1 after an optional pause per batch. */
  private static Dataflow exchanging(String name, int count, int batch, ListSink<Integer> sink, Runnable perItem) {
    Dataflow flow = new Dataflow(name);
    flow.input("numbers", IterableSource.of(() -> IntStream.range(0, count).iterator(), batch))
        .redistribute("spread")
        .map("look", i -> {
          perItem.run();
          return i;
        })
        .output("out", sink);
    return flow;
  }

  /** Runs {@code processes} × {@code workers} of {@code count} items with {@code config}; checks every item arrived once per process. */
  private static void runAndCheck(String name, int processes, RunConfig config, int count, int batch, Runnable perItem) {
    List<ListSink<Integer>> sinks = new ArrayList<>();
    for (int p = 0; p < processes; p++) {
      sinks.add(new ListSink<>());
    }
    LocalCluster.run(processes, config, p -> exchanging(name, count, batch, sinks.get(p), perItem), RUN_TIMEOUT);
    List<Integer> all = new ArrayList<>();
    sinks.forEach(s -> all.addAll(s.items()));
    assertThat(all).as("%s: every item arrived exactly once", name)
        .containsExactlyInAnyOrderElementsOf(IntStream.range(0, count).boxed().toList());
  }

  private static List<String> threads(String prefix) {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
        .filter(n -> n.startsWith(prefix)).sorted().toList();
  }

  /** The log buffers of the live publications and images of the driver in {@code dir}. */
  private static List<Path> logs(Path dir) {
    return Stream.of("publications", "images").map(dir::resolve).filter(Files::isDirectory).flatMap(d -> {
      try (Stream<Path> files = Files.list(d)) {
        return files.toList().stream();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }).toList();
  }

  private static <T> T inThreads(int n, java.util.function.IntFunction<Runnable> call, Supplier<T> after) throws Exception {
    List<CompletableFuture<Void>> calls = new ArrayList<>();
    for (int c = 0; c < n; c++) {
      int i = c;
      calls.add(CompletableFuture.runAsync(call.apply(i), r -> new Thread(r, "attack-caller-" + i).start()));
    }
    CompletableFuture.allOf(calls.toArray(new CompletableFuture<?>[0])).get(120, TimeUnit.SECONDS);
    return after.get();
  }

  /**
   * Guards: clusters of different shapes and threading modes running at the same time on the shared
   * drivers (SHARED threading on one, INVOKER on another: LATENCY's), one of them failing before it
   * joins and one stopped mid-way by its timeout in every round: every item of every good run arrives exactly once, and once the runs are
   * over no publication, image or transport thread is left (counters freed after 10 ms are reused
   * safely by the next runs).
   */
  @Test
  void concurrentClustersOfEveryShapeAndThreadingLoseNothingAndLeaveNothing() throws Exception {
    // a term length of its own: drivers no other test class uses, so their directories show only these runs
    AeronTransport.Settings settings = AeronTransport.Settings.fromSystemProperties().withSharedDriver();
    int term = 512 * 1024;
    String oldTerm = System.getProperty(AeronTransport.Settings.TERM_LENGTH_PROPERTY);
    System.setProperty(AeronTransport.Settings.TERM_LENGTH_PROPERTY, String.valueOf(term));
    try {
      AeronTransport.Settings own = new AeronTransport.Settings(settings.connectTimeout(), settings.peerTimeout(), term)
          .withSharedDriver();
      Path sharedDir = Path.of(SharedDrivers.driver(own, IdleProfile.THROUGHPUT, TransportThreading.SHARED).directory());
      Path invokerDir = Path.of(SharedDrivers.driver(own, IdleProfile.LATENCY, TransportThreading.INVOKER).directory());
      List<RunConfig> shapes = List.of(
          RunConfig.workers(1),
          RunConfig.workers(3),
          RunConfig.workers(2).withIdle(IdleProfile.LATENCY),
          RunConfig.workers(1).withIdle(IdleProfile.THROUGHPUT.withThreading(TransportThreading.INVOKER)));
      inThreads(6, c -> () -> {
        for (int round = 0; round < 4; round++) {
          if (c == 5) {
            // a run stopped mid-way (its timeout), next to the running ones
            RunConfig shape = shapes.get(round % 4);
            Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> LocalCluster.run(2, shape,
                p -> EndlessFlow.flow(), Duration.ofMillis(300)));
            assertThat(t).isInstanceOf(io.sluice.run.RunTimeoutException.class).hasMessageNotContaining("still running");
            continue;
          }
          if (c == 4) {
            // a run failing before it joins, next to the running ones
            int r = round;
            Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> LocalCluster.run(2, shapes.get(r % 4),
                p -> p == 0 ? exchanging("concurrent-ok-" + c, 100, 10, new ListSink<>(), () -> { })
                    : invalid("concurrent-ok-" + c), RUN_TIMEOUT));
            assertThat(t).isInstanceOf(FlowValidationException.class);
            continue;
          }
          RunConfig config = shapes.get((c + round) % shapes.size());
          runAndCheck("concurrent-ok-" + c, 2 + (c + round) % 2, config, 2_000, 50, () -> { });
        }
      }, () -> null);
      await("the ended runs' publications and images freed").atMost(Duration.ofSeconds(5))
          .pollInterval(Duration.ofMillis(20))
          .untilAsserted(() -> {
            // the INVOKER driver has no thread: a run's workers ran it; a new client connecting runs it too
            SharedDrivers.driver(own, IdleProfile.LATENCY, TransportThreading.INVOKER).invoker().invoke();
            assertThat(logs(sharedDir)).as("SHARED driver %s", sharedDir).isEmpty();
            assertThat(logs(invokerDir)).as("INVOKER driver %s", invokerDir).isEmpty();
          });
      await("no transport thread left").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
          .untilAsserted(() -> {
            assertThat(threads("sluice-aeron-")).isEmpty();
            assertThat(threads("sluice-concurrent-ok-")).isEmpty();
            assertThat(threads("sluice-endless-")).isEmpty();
            assertThat(threads("aeron-client-conductor")).as("Aeron clients of ended runs").isEmpty();
            assertThat(threads("sluice-local-cluster-process-")).isEmpty();
          });
    } finally {
      restore(AeronTransport.Settings.TERM_LENGTH_PROPERTY, oldTerm);
    }
  }

  /**
   * Guards: {@code -Dsluice.aeron.threading=invoker} puts every run of the JVM on the INVOKER shared
   * driver, whatever its idle profile: concurrent runs of THROUGHPUT (normally SHARED) clusters
   * deliver everything, and no transport thread is left but the backstops, which end with their runs.
   */
  @Test
  void theThreadingPropertyPutsConcurrentRunsOnTheInvokerDriver() throws Exception {
    String old = System.getProperty(AeronTransport.Settings.THREADING_PROPERTY);
    System.setProperty(AeronTransport.Settings.THREADING_PROPERTY, "invoker");
    try {
      inThreads(3, c -> () -> {
        for (int round = 0; round < 3; round++) {
          runAndCheck("property-invoker-" + c, 2 + c % 2, RunConfig.workers(1 + round % 2), 1_000, 20, () -> { });
        }
      }, () -> null);
    } finally {
      restore(AeronTransport.Settings.THREADING_PROPERTY, old);
    }
    await("no transport thread left").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
        .untilAsserted(() -> {
          assertThat(threads("sluice-aeron-")).isEmpty();
          assertThat(threads("sluice-property-invoker-")).isEmpty();
        });
  }

  private static Dataflow invalid(String name) {
    Dataflow flow = new Dataflow(name);
    flow.input("numbers", IterableSource.of(List.of(1, 2, 3))).map("look", i -> i); // no output
    return flow;
  }

  /**
   * Guards: batches above {@code sluice.aeron.maxBatchBytes} (split) in both directions at once to
   * receivers that are slow: flow control with 20 ms status messages delivers everything, nothing
   * hangs. Two bugs this found:
   * <ul>
   *   <li>with a maximum below one Aeron message (128 kB at 1 MiB terms) the parts fit one message
   *       each, and the sender still sent each in "pieces" (one piece), which the receiver rightly
   *       refused ("a batch ... sent in pieces, the first ... bytes long"): the run failed;</li>
   *   <li>the sending worker looped until every part had gone, so it took nothing from its own
   *       inbound channels meanwhile; two processes sending split batches to each other each waited
   *       for the other to take its data: the run hung until its timeout (the "300 kB" case).</li>
   * </ul>
   */
  @ParameterizedTest(name = "maxBatchBytes {0}, {1} items per partition")
  @CsvSource({"100000, 30", "300000, 200"})
  void largeSplitBatchesBothWaysToSlowReceiversArriveWhole(int maxBatchBytes, int count) {
    String old = System.getProperty(AeronTransport.Settings.MAX_BATCH_BYTES_PROPERTY);
    System.setProperty(AeronTransport.Settings.MAX_BATCH_BYTES_PROPERTY, String.valueOf(maxBatchBytes));
    try {
      for (RunConfig config : List.of(RunConfig.workers(1).withChannelCapacity(2),
          RunConfig.workers(2).withIdle(IdleProfile.LATENCY).withChannelCapacity(2))) {
        List<ListSink<String>> sinks = List.of(new ListSink<>(), new ListSink<>());
        int size = 30_000; // a batch of 20 is 600 kB: above one Aeron message (128 kB) and above maxBatchBytes
        LocalCluster.run(2, config, p -> {
          Dataflow flow = new Dataflow("split-both-ways");
          // four partitions: read by workers of both processes, so batches cross both ways
          java.util.Map<String, List<String>> partitions = new java.util.LinkedHashMap<>();
          for (int q = 0; q < 4; q++) {
            int part = q;
            partitions.put("part-" + q, IntStream.range(0, count).mapToObj(
                i -> String.valueOf((char) ('a' + i % 26)).repeat(size) + ":" + part + ":" + i).toList());
          }
          flow.input("strings", IterableSource.partitioned(partitions, 20))
              .redistribute("spread")
              .map("slow", s -> {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1)); // a slow receiver: work, not a wait
                return s.substring(size) + ":" + s.chars().limit(size).allMatch(ch -> ch == s.charAt(0));
              })
              .output("out", sinks.get(p));
          return flow;
        }, Duration.ofSeconds(20));
        List<String> all = new ArrayList<>(sinks.get(0).items());
        all.addAll(sinks.get(1).items());
        List<String> expected = new ArrayList<>();
        for (int p = 0; p < 4; p++) {
          for (int i = 0; i < count; i++) {
            expected.add(":" + p + ":" + i + ":true");
          }
        }
        assertThat(all).containsExactlyInAnyOrderElementsOf(expected);
      }
    } finally {
      restore(AeronTransport.Settings.MAX_BATCH_BYTES_PROPERTY, old);
    }
  }

  /**
   * Guards: a batch too large for the receiver's window at once (its pieces back-pressured), after
   * which its sender has nothing more to send for a while (a quiet source, epochs of an hour), still
   * arrives: the rest of its pieces must not wait for the channel's next message (the next epoch's
   * progress marker, an hour later). Both threading modes. Before the fix the rest of the pieces
   * went only with the channel's next offer: the run hung (here until its 15 s timeout).
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource({"SHARED", "INVOKER"})
  void aLargeBatchOnAQuietChannelArrivesWithoutWaitingForTheNextMessage(TransportThreading threading) {
    RunConfig config = RunConfig.workers(1).withEpochInterval(Duration.ofHours(1))
        .withIdle(IdleProfile.THROUGHPUT.withThreading(threading));
    java.util.concurrent.atomic.AtomicInteger received = new java.util.concurrent.atomic.AtomicInteger();
    int items = 4;
    int size = 1 << 20; // 4 MiB in one batch: far above the receiver's window
    LocalCluster.run(2, config, p -> {
      Dataflow flow = new Dataflow("quiet-after-large");
      flow.input("strings", (io.sluice.inputs.DynamicSource<String>) (step, worker, count) ->
              new io.sluice.inputs.StatelessSourcePartition<>() {
                private boolean sent;

                @Override
                public List<String> nextBatch() {
                  if (received.get() == items) {
                    return null; // everything arrived: the run ends
                  }
                  if (worker == 0 && !sent) {
                    sent = true;
                    List<String> batch = new ArrayList<>();
                    for (int i = 0; i < items; i++) {
                      batch.add(String.valueOf((char) ('a' + i)).repeat(size));
                    }
                    return batch;
                  }
                  return List.of(); // nothing now: a quiet source
                }
              })
          .redistribute("spread")
          .output("out", (io.sluice.outputs.DynamicSink<String>) (step, worker, count) -> batch -> {
            for (String s : batch) {
              assertThat(s).hasSize(size);
              received.incrementAndGet();
            }
          });
      return flow;
    }, Duration.ofSeconds(15));
    assertThat(received).hasValue(items);
  }

  /**
   * Guards against image-liveness false positives: with a peer timeout of 1.5 s, a step that blocks
   * every worker of a process for 2.5 s (CPU starvation of the workers, not of the process) does not
   * get the process declared lost, in either threading mode: heartbeats come from the driver, the
   * poller or (INVOKER) the backstop thread, not from the workers.
   */
  @Test
  void workersBlockedForLongerThanThePeerTimeoutAreNotALostPeer() {
    String old = System.getProperty(AeronTransport.Settings.PEER_TIMEOUT_PROPERTY);
    System.setProperty(AeronTransport.Settings.PEER_TIMEOUT_PROPERTY, "1500");
    try {
      for (RunConfig config : List.of(RunConfig.workers(1),
          RunConfig.workers(1).withIdle(IdleProfile.THROUGHPUT.withThreading(TransportThreading.INVOKER)))) {
        List<ListSink<Integer>> sinks = List.of(new ListSink<>(), new ListSink<>());
        LocalCluster.run(2, config, p -> {
          Dataflow flow = new Dataflow("blocked-worker");
          flow.input("numbers", IterableSource.of(() -> IntStream.range(0, 200).iterator(), 10))
              .redistribute("spread")
              .map("block", i -> {
                if (i == 100) {
                  // blocks this process's only worker (a call to a slow service, say): not a wait for a condition
                  LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2_500));
                }
                return i;
              })
              .output("out", sinks.get(p));
          return flow;
        }, RUN_TIMEOUT);
        assertThat(sinks.get(0).items().size() + sinks.get(1).items().size()).isEqualTo(200);
      }
    } finally {
      restore(AeronTransport.Settings.PEER_TIMEOUT_PROPERTY, old);
    }
  }

  /**
   * Guards: many short runs one after the other (a test suite's pattern) reuse freed counters within
   * 10 ms and publications' ports; every run delivers everything, and the driver holds nothing once
   * they are over: no log buffer, and as many counters as before the runs.
   */
  @Test
  void manySequentialRunsReuseFreedResourcesSafely() {
    AeronTransport.Settings own = new AeronTransport.Settings(Duration.ofSeconds(30), Duration.ofSeconds(30),
        256 * 1024).withSharedDriver();
    Path dir = Path.of(SharedDrivers.driver(own, IdleProfile.THROUGHPUT, TransportThreading.SHARED).directory());
    String old = System.getProperty(AeronTransport.Settings.TERM_LENGTH_PROPERTY);
    System.setProperty(AeronTransport.Settings.TERM_LENGTH_PROPERTY, String.valueOf(256 * 1024));
    try (io.aeron.Aeron watcher = io.aeron.Aeron.connect(new io.aeron.Aeron.Context().aeronDirectoryName(dir.toString()))) {
      // runs of other test classes on this driver (same settings) have left nothing behind first
      await("earlier runs' publications and images freed").atMost(Duration.ofSeconds(5))
          .pollInterval(Duration.ofMillis(20)).untilAsserted(() -> assertThat(logs(dir)).isEmpty());
      int before = allocatedCounters(watcher);
      for (int run = 0; run < 30; run++) {
        runAndCheck("sequential", 2 + run % 2, RunConfig.workers(1 + run % 3), 300, 7, () -> { });
      }
      await("the finished runs' publications, images and counters freed").atMost(Duration.ofSeconds(5))
          .pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
            assertThat(logs(dir)).isEmpty();
            assertThat(allocatedCounters(watcher)).as("counters allocated in the driver").isEqualTo(before);
          });
    } finally {
      restore(AeronTransport.Settings.TERM_LENGTH_PROPERTY, old);
    }
  }

  /** Counters allocated in the watcher's driver now (freed ones waiting for reuse are not counted). */
  private static int allocatedCounters(io.aeron.Aeron watcher) {
    int[] n = new int[1];
    watcher.countersReader().forEach((id, typeId, key, label) -> n[0]++);
    return n[0];
  }

  private static void restore(String property, String old) {
    if (old == null) {
      System.clearProperty(property);
    } else {
      System.setProperty(property, old);
    }
  }
}
