package io.sluice.aeron;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.aeron.Aeron;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import io.sluice.inputs.DynamicSource;
import io.sluice.inputs.StatelessSourcePartition;
import io.sluice.run.RunConfig;
import io.sluice.run.RunningDataflow;
import io.sluice.run.Sluice;
import io.sluice.transport.ClusterSpec;
import io.sluice.transport.Transport;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.agrona.CloseHelper;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * A peer that proves its membership (it knows the secret) and then breaks the exchange protocol:
 * the run fails once, with a message naming the peer and what it sent, however many bad frames
 * follow. The peer here is this test speaking the protocol as process 1, through its own media
 * driver, to a real Sluice process 0.
 */
class MalformedMemberTest {

  @Test
  void aMalformedFrameFromAProvenMemberFailsTheRunOnceNamingIt() throws Exception {
    List<String> addresses = InJvmCluster.freeAddresses(2);
    ClusterSecret secret = ClusterSecret.generate();
    AtomicReference<ClusterSpec> specOf0 = new AtomicReference<>();
    AeronTransport real = new AeronTransport(new AeronTransport.Settings(Duration.ofSeconds(20), Duration.ofSeconds(10),
        1 << 20).withSecret(secret));
    Transport spying = new Transport() {
      @Override
      public void start(ClusterSpec cluster, Inbound inbound) {
        specOf0.set(cluster);
        real.start(cluster, inbound);
      }

      @Override
      public Map<Integer, List<String>> partitionsOf(int process) {
        return real.partitionsOf(process);
      }

      @Override
      public boolean offerBatch(int step, int from, int to, long epoch, List<Object> items) {
        return real.offerBatch(step, from, to, epoch, items);
      }

      @Override
      public boolean offerEnd(int step, int from, int to) {
        return real.offerEnd(step, from, to);
      }

      @Override
      public boolean offerProgress(int step, int from, int to, long epoch, long timeMillis) {
        return real.offerProgress(step, from, to, epoch, timeMillis);
      }

      @Override
      public void finish() {
        real.finish();
      }

      @Override
      public void abort(Throwable cause) {
        real.abort(cause);
      }

      @Override
      public void close() {
        real.close();
      }
    };
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream original = System.err;
    System.setErr(new PrintStream(captured, true));
    MediaDriver driver = MediaDriver.launchEmbedded(AeronTransport.driverContext(
        DriverDirectories.newDirectory(DriverDirectories.base()), AeronTransport.Settings.defaults(), "member 1"));
    Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName()));
    Throwable failure;
    try {
      RunConfig cfg = RunConfig.workers(1).withCluster(0, addresses).withTransport(() -> spying);
      CompletableFuture<RunningDataflow> starting = CompletableFuture.supplyAsync(() -> Sluice.start(idle(), cfg),
          LocalCluster.runnerThread(0));
      await("process 0 is joining").atMost(Duration.ofSeconds(20)).until(() -> specOf0.get() != null);
      ClusterSpec s0 = specOf0.get();
      ClusterSpec mine = new ClusterSpec(1, s0.addresses(), s0.workersPerProcess(), s0.stepIds(), s0.exchangeSteps(),
          s0.flowSignature(), null, s0.registeredTypes(), Map.of());
      Subscription control = aeron.addSubscription("aeron:udp?endpoint=" + addresses.get(1), AeronTransport.stream(0, 0, 1));
      Publication[] out = new Publication[1];
      Membership members = new Membership(mine, secret, new Rejections(1), new Membership.Link() {
        @Override
        public boolean offer(int peer, byte[] message) {
          return out[0].offer(new UnsafeBuffer(message)) > 0;
        }

        @Override
        public void peerFailed(io.sluice.transport.TransportException e) {
          throw new AssertionError(e);
        }

        @Override
        public void malformed(io.sluice.transport.TransportException e) {
          throw new AssertionError(e);
        }

        @Override
        public void stopRequested(String reason) {}
      });
      String channel = "aeron:udp?endpoint=" + addresses.get(0);
      out[0] = aeron.addPublication(channel, AeronTransport.stream(1, 0, 1));
      Publication data = aeron.addPublication(channel, AeronTransport.stream(1, 1, 1));
      members.sessionsTo(0, new int[] {out[0].sessionId(), data.sessionId()});
      FragmentAssembler handler = new FragmentAssembler((b, o, l, h) -> members.onControl(b, o, l, h, true));
      await("the handshake as process 1").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(1)).until(() -> {
        control.poll(handler, 16);
        return members.join(new boolean[] {out[0].isConnected(), false});
      });
      RunningDataflow run = starting.get(20, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(10)).until(data::isConnected);
      // worker 0 is process 0's own: process 1 may not send as it, however often it tries
      ExpandableArrayBuffer frame = new ExpandableArrayBuffer();
      int at = FrameCodec.header(frame, FrameCodec.BATCH, 0, 0, 0);
      byte[] body = new ForySerde(List.of()).serialize(new java.util.ArrayList<>(List.of(1L, 2L)));
      frame.putBytes(at, body);
      for (int i = 0; i < 100; i++) {
        int len = at + body.length;
        await().atMost(Duration.ofSeconds(10)).until(() -> data.offer(frame, 0, len) > 0);
      }
      failure = org.assertj.core.api.Assertions.catchThrowable(() -> run.await(Duration.ofSeconds(30)));
    } finally {
      System.err.flush();
      System.setErr(original);
      CloseHelper.quietClose(aeron);
      CloseHelper.quietClose(driver);
    }
    assertThat(failure).isNotNull().hasMessageContaining("process 1 broke the exchange protocol: a data frame from worker 0,"
        + " which is not one of its workers (1..1)");
    long lines = captured.toString(StandardCharsets.UTF_8).lines()
        .filter(l -> l.contains("which is not one of its workers") && !l.startsWith("\tat ")).count();
    assertThat(lines).as("log lines about the bad frames, of 100 sent:\n" + captured).isEqualTo(1);
    assertThat(real.droppedMessages()).isZero();
  }

  /** One worker whose source sends nothing until the run ends. */
  private static Dataflow idle() {
    Dataflow flow = new Dataflow("member-test");
    flow.input("numbers", (DynamicSource<Long>) (step, worker, count) -> new StatelessSourcePartition<>() {
      @Override
      public List<Long> nextBatch() {
        return List.of();
      }

      @Override
      public java.time.Instant nextAwake() {
        return java.time.Instant.now().plusMillis(5);
      }
    }).redistribute("spread").output("out", new ListSink<>());
    return flow;
  }
}
