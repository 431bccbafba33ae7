package io.sluice.aeron;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.aeron.Aeron;
import io.aeron.Publication;
import io.aeron.driver.MediaDriver;
import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import io.sluice.inputs.DynamicSource;
import io.sluice.inputs.StatelessSourcePartition;
import io.sluice.run.RunConfig;
import io.sluice.run.RunResult;
import io.sluice.run.RunningDataflow;
import io.sluice.run.Sluice;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.agrona.CloseHelper;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Messages forged by a program that does not know the cluster secret, sent as real datagrams on
 * loopback to a running 2-process cluster (each process with its own media driver and UDP port):
 * each is dropped, counted and logged once, and the run's output is the same as without it. Each
 * case is one the issue saw stop, hang or change a cluster before membership was proven.
 */
class ForgedMessagesTest {
  private static final long PER_WORKER = 500;
  private static MediaDriver attackerDriver;
  private static Aeron attacker;

  @BeforeAll
  static void startAttacker() {
    attackerDriver = MediaDriver.launchEmbedded(AeronTransport.driverContext(
        DriverDirectories.newDirectory(DriverDirectories.base()), AeronTransport.Settings.defaults(), "attacker"));
    attacker = Aeron.connect(new Aeron.Context().aeronDirectoryName(attackerDriver.aeronDirectoryName()));
  }

  @AfterAll
  static void stopAttacker() {
    CloseHelper.quietClose(attacker);
    CloseHelper.quietClose(attackerDriver);
  }

  @Test
  void aForgedFailedMessageIsDropped() throws Exception {
    byte[] msg = control(Membership.FAILED, 1, 0, "forged failure");
    attack(addresses -> sendAeron(addresses.get(0), AeronTransport.stream(1, 0, 1), msg, 1));
  }

  @Test
  void aForgedBatchOfAThousandLongsIsDropped() throws Exception {
    byte[] batch = new ForySerde(List.of()).serialize(new ArrayList<>(LongStream.range(0, 1000).boxed().toList()));
    byte[] msg = data(FrameCodec.BATCH, 1, 0, 0, batch);
    attack(addresses -> sendAeron(addresses.get(0), AeronTransport.stream(1, 1, 1), msg, 1));
  }

  @Test
  void aForgedEndOfStreamIsDropped() throws Exception {
    byte[] msg = data(FrameCodec.END, 1, 0, 0, new byte[0]);
    attack(addresses -> sendAeron(addresses.get(0), AeronTransport.stream(1, 1, 1), msg, 3));
  }

  @Test
  void aForgedFinishedIsDropped() throws Exception {
    byte[] msg = control(Membership.FINISHED, 1, 0, "");
    attack(addresses -> sendAeron(addresses.get(0), AeronTransport.stream(1, 0, 1), msg, 1));
  }

  @Test
  void aHelloClaimingAOneGibibyteStringIsDroppedWithoutAllocatingIt() throws Exception {
    attack(addresses -> {
      // [count 2][control session][data session][MAC: 32 zero bytes][flow signature claiming 1 GiB]
      byte[] msg = new byte[Membership.HEADER + 4 + 8 + 32 + 4 + 16];
      UnsafeBuffer b = new UnsafeBuffer(msg);
      b.putByte(0, Membership.HELLO);
      b.putInt(1, 1);
      b.putInt(5, 0);
      b.putInt(Membership.HEADER, 2);
      b.putInt(Membership.HEADER + 4, 0); // the control session: filled in by sendAeron below
      b.putInt(Membership.HEADER + 4 + 8 + 32, 1 << 30);
      sendAeron(addresses.get(0), AeronTransport.stream(1, 0, 1), msg, 1, true);
    });
  }

  @Test
  void aRawFrameClaimingTwoGigabytesForAnUnknownSessionIsDropped() throws Exception {
    attack(addresses -> {
      String[] hp = addresses.get(0).split(":");
      try (DatagramSocket socket = new DatagramSocket()) {
        byte[] frame = new byte[64];
        UnsafeBuffer b = new UnsafeBuffer(frame);
        b.putInt(0, Integer.MAX_VALUE);            // frame length: 2 GB
        b.putByte(4, (byte) 0);                    // version
        b.putByte(5, (byte) 0xC0);                 // begin and end flags
        b.putShort(6, (short) 1);                  // DATA
        b.putInt(8, 0);                            // term offset
        b.putInt(12, 0x5EED);                      // a session nobody announced
        b.putInt(16, AeronTransport.stream(1, 0, 1));
        b.putInt(20, 0);
        for (int i = 0; i < 1000; i++) {
          socket.send(new DatagramPacket(frame, frame.length, InetAddress.getByName(hp[0]), Integer.parseInt(hp[1])));
        }
      }
    }, 0, 1);
  }

  @Test
  void aForgedChallengeAndHelloForAJoiningClusterAreDropped() throws Exception {
    // sent while the cluster runs: a challenge after joining is refused, and nothing else changes
    byte[] challenge = new byte[Membership.HEADER + Membership.NONCE];
    UnsafeBuffer b = new UnsafeBuffer(challenge);
    b.putByte(0, Membership.CHALLENGE);
    b.putInt(1, 1);
    b.putInt(5, 0);
    attack(addresses -> sendAeron(addresses.get(0), AeronTransport.stream(1, 0, 1), challenge, 2));
  }

  // ------------------------------------------------------------------ the victim cluster

  private interface Attack {
    void run(List<String> addresses) throws Exception;
  }

  private void attack(Attack attack) throws Exception {
    attack(attack, 1, 1);
  }

  /**
   * Runs a 2-process, 1-worker-each cluster whose sources hold back until the attack was sent, then
   * checks the output is what it is without an attack, and that the log got between
   * {@code minLines} and {@code maxLines} lines about dropped or bad messages.
   */
  private void attack(Attack attack, int minLines, int maxLines) throws Exception {
    List<String> addresses = InJvmCluster.freeAddresses(2);
    ClusterSecret secret = ClusterSecret.generate();
    AtomicBoolean go = new AtomicBoolean();
    AtomicInteger polling = new AtomicInteger();
    List<ListSink<Long>> sinks = List.of(new ListSink<>(), new ListSink<>());
    List<AeronTransport> transports = new ArrayList<>();
    List<java.util.concurrent.CompletableFuture<RunningDataflow>> starting = new ArrayList<>();
    List<RunningDataflow> runs = new ArrayList<>();
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream original = System.err;
    System.setErr(new PrintStream(new Tee(original, captured), true));
    try {
      for (int p = 0; p < 2; p++) {
        AeronTransport t = new AeronTransport(new AeronTransport.Settings(Duration.ofSeconds(20), Duration.ofSeconds(10),
            1 << 20).withSecret(secret));
        transports.add(t);
        RunConfig cfg = RunConfig.workers(1).withCluster(p, addresses).withTransport(() -> t);
        Dataflow flow = heldBack(go, polling, sinks.get(p));
        starting.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> Sluice.start(flow, cfg),
            LocalCluster.runnerThread(p)));
      }
      for (var s : starting) {
        runs.add(s.get(60, java.util.concurrent.TimeUnit.SECONDS));
      }
      await("both processes joined and polling their sources").atMost(Duration.ofSeconds(30))
          .until(() -> polling.get() >= 2);
      attack.run(addresses);
      // the datagrams went out over loopback: give the victim's receiving thread a bound to see them
      if (minLines > 0) {
        await("the forged message arrived and was dropped").atMost(Duration.ofSeconds(10))
            .until(() -> transports.get(0).droppedMessages() > 0);
      } else {
        await().pollDelay(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> true);
      }
      go.set(true);
      List<RunResult> results = new ArrayList<>();
      for (RunningDataflow r : runs) {
        results.add(r.await(Duration.ofSeconds(60)));
      }
      assertThat(results).hasSize(2);
    } finally {
      System.err.flush();
      System.setErr(original);
      runs.forEach(r -> {
        if (!r.isDone()) {
          r.cancel();
        }
      });
    }
    List<Long> all = new ArrayList<>(sinks.get(0).items());
    all.addAll(sinks.get(1).items());
    List<Long> expected = new ArrayList<>();
    for (long w = 0; w < 2; w++) {
      for (long i = 0; i < PER_WORKER; i++) {
        expected.add(w * 1_000_000 + i);
      }
    }
    assertThat(all).as("the output, as without the forged message").containsExactlyInAnyOrderElementsOf(expected);
    List<String> lines = captured.toString(StandardCharsets.UTF_8).lines()
        .filter(l -> l.contains("cannot trust") || l.contains("DriverErrors") || l.contains("broke the"))
        .toList();
    assertThat(lines).as("log lines about the forged messages").hasSizeBetween(minLines, maxLines);
  }

  /** Every worker emits its own numbers once {@code go} is set, redistributed over both processes. */
  private static Dataflow heldBack(AtomicBoolean go, AtomicInteger polling, ListSink<Long> sink) {
    Dataflow flow = new Dataflow("held-back");
    flow.input("numbers", (DynamicSource<Long>) (step, worker, count) -> new StatelessSourcePartition<>() {
      private boolean counted;
      private boolean done;

      @Override
      public List<Long> nextBatch() {
        if (!counted) {
          counted = true;
          polling.incrementAndGet();
        }
        if (done) {
          return null;
        }
        if (!go.get()) {
          return List.of();
        }
        done = true;
        List<Long> out = new ArrayList<>();
        for (long i = 0; i < PER_WORKER; i++) {
          out.add(worker * 1_000_000L + i);
        }
        return out;
      }

      @Override
      public java.time.Instant nextAwake() {
        return go.get() ? null : java.time.Instant.now().plusMillis(5);
      }
    }).redistribute("spread").output("out", sink);
    return flow;
  }

  // ------------------------------------------------------------------ forging

  private static byte[] control(byte type, int from, int to, String text) {
    byte[] t = text.getBytes(StandardCharsets.UTF_8);
    byte[] msg = new byte[Membership.HEADER + t.length];
    UnsafeBuffer b = new UnsafeBuffer(msg);
    b.putByte(0, type);
    b.putInt(1, from);
    b.putInt(5, to);
    b.putBytes(Membership.HEADER, t);
    return msg;
  }

  private static byte[] data(byte kind, int from, int to, long epoch, byte[] body) {
    ExpandableArrayBuffer b = new ExpandableArrayBuffer();
    int at = FrameCodec.header(b, kind, from, to, epoch);
    b.putBytes(at, body);
    byte[] msg = new byte[at + body.length];
    b.getBytes(0, msg);
    return msg;
  }

  private static void sendAeron(String address, int stream, byte[] msg, int times) {
    sendAeron(address, stream, msg, times, false);
  }

  /** Sends {@code msg} {@code times} over a real Aeron publication of the attacker's own driver. */
  private static void sendAeron(String address, int stream, byte[] msg, int times, boolean ownSessionAt13) {
    try (Publication pub = attacker.addExclusivePublication("aeron:udp?endpoint=" + address, stream)) {
      await("the forged publication connected").atMost(Duration.ofSeconds(10)).until(pub::isConnected);
      if (ownSessionAt13) {
        new UnsafeBuffer(msg).putInt(Membership.HEADER + 4, pub.sessionId()); // a hello naming the session it comes on
      }
      for (int i = 0; i < times; i++) {
        UnsafeBuffer b = new UnsafeBuffer(msg);
        await("the forged message was taken").atMost(Duration.ofSeconds(10)).until(() -> pub.offer(b) > 0);
      }
    }
  }

  /** An output stream that writes to two. */
  private static final class Tee extends OutputStream {
    private final OutputStream a;
    private final OutputStream b;

    Tee(OutputStream a, OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public void write(int c) throws java.io.IOException {
      a.write(c);
      synchronized (b) {
        b.write(c);
      }
    }

    @Override
    public void write(byte[] buf, int off, int len) throws java.io.IOException {
      a.write(buf, off, len);
      synchronized (b) {
        b.write(buf, off, len);
      }
    }
  }
}
