package io.sluice.benchmarks.aeron;

import io.aeron.Aeron;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Raw Aeron between two media drivers over UDP loopback: one publication, one subscription,
 * fixed-size messages. The drivers are configured as Sluice's transport configures its own
 * (SHARED threading, same idle strategy, 1 MiB terms), so the only difference to the Sluice run is
 * Sluice itself.
 */
final class RawAeron implements AutoCloseable {
  static final int STREAM = 1001;
  final MediaDriver driver;
  final Aeron aeron;
  private final Path dir;

  RawAeron() {
    dir = Path.of("/dev/shm", "sluice-bench-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 8));
    driver = MediaDriver.launchEmbedded(new MediaDriver.Context()
        .aeronDirectoryName(dir.toString())
        .dirDeleteOnStart(true)
        .dirDeleteOnShutdown(true)
        .threadingMode(ThreadingMode.SHARED)
        .sharedIdleStrategy(new BackoffIdleStrategy(1, 10, 1_000, 1_000_000))
        .termBufferSparseFile(true)
        .publicationTermBufferLength(1 << 20));
    aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName()));
  }

  static String channel(String address) {
    return "aeron:udp?endpoint=" + address;
  }

  /** Sends {@code rounds × perRound} messages of {@code size} bytes to {@code address} as fast as Aeron takes them. */
  void send(String address, int size, int rounds, long perRound, long connectTimeoutNs) {
    try (Publication pub = aeron.addPublication(channel(address), STREAM)) {
      long deadline = System.nanoTime() + connectTimeoutNs;
      IdleStrategy idle = new BackoffIdleStrategy(10, 20, 1_000, 1_000_000);
      while (!pub.isConnected()) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("raw Aeron: no subscriber at " + address);
        }
        idle.idle();
      }
      UnsafeBuffer buf = new UnsafeBuffer(new byte[size]);
      long total = rounds * perRound;
      for (long i = 0; i < total; i++) {
        buf.putLong(0, i);
        long r;
        idle.reset();
        while ((r = pub.offer(buf, 0, size)) < 0) {
          if (r == Publication.CLOSED || r == Publication.MAX_POSITION_EXCEEDED) {
            throw new IllegalStateException("raw Aeron publication failed: " + r);
          }
          if (r == Publication.NOT_CONNECTED && System.nanoTime() > deadline + 60_000_000_000L) {
            throw new IllegalStateException("raw Aeron: subscriber went away");
          }
          idle.idle();
        }
      }
    }
  }

  /**
   * Receives {@code rounds × perRound} messages; after each {@code perRound} messages prints
   * {@code RAW <round> <messages> <nanos first..last> <payload bytes>}. Gives up after
   * {@code silenceNs} without a message.
   */
  void receive(String address, int rounds, long perRound, long silenceNs) {
    try (Subscription sub = aeron.addSubscription(channel(address), STREAM)) {
      System.out.println("READY");
      System.out.flush();
      long[] state = new long[3]; // count in round, first nanos, bytes
      IdleStrategy idle = new BackoffIdleStrategy(10, 20, 1_000, 1_000_000);
      for (int round = 0; round < rounds; round++) {
        state[0] = 0;
        state[2] = 0;
        long last = System.nanoTime();
        while (state[0] < perRound) {
          int n = sub.poll((buffer, offset, length, header) -> {
            if (state[0]++ == 0) {
              state[1] = System.nanoTime();
            }
            state[2] += length;
          }, (int) Math.min(1024, perRound - state[0]));
          long now = System.nanoTime();
          if (n > 0) {
            last = now;
          } else if (now - last > silenceNs) {
            throw new IllegalStateException("raw Aeron: nothing received for " + silenceNs / 1_000_000 + " ms in round "
                + round + " after " + state[0] + " messages");
          }
          idle.idle(n);
        }
        System.out.println("RAW " + round + " " + perRound + " " + (System.nanoTime() - state[1]) + " " + state[2]);
        System.out.flush();
      }
    }
  }

  @Override
  public void close() {
    aeron.close();
    driver.close();
    if (Files.exists(dir)) {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
