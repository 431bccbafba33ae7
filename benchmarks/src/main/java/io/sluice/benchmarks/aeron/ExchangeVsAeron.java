package io.sluice.benchmarks.aeron;

import io.sluice.aeron.LocalCluster;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Cross-process exchange vs raw Aeron, two JVMs, in one run.
 *
 * <p>Raw Aeron: this JVM publishes {@code 32}-byte messages to a child JVM that subscribes; each JVM
 * has its own embedded media driver; UDP loopback. Sluice: this JVM is process 0 and a child JVM
 * is process 1 of a two-process cluster running {@code input → redistribute → counting sink} with
 * {@link SluiceExchange.Item}s (32-byte payload), default serde (Fory; -Dbench.serde=kryo|java to compare). Every pass runs raw Aeron
 * and then Sluice, each with warm-up and measured rounds; the child reports what it received.
 *
 * <p>Usage: {@code java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -cp benchmarks.jar
 * io.sluice.benchmarks.aeron.ExchangeVsAeron [passes] [warmupRounds] [rounds] [rawMessagesPerRound]
 * [sluiceItemsPerRound] [workersPerProcess] [batchSize]}. Extra child JVM flags (e.g. a profiler)
 * go in the system property {@code bench.childJvmArgs} (space-separated).
 */
public final class ExchangeVsAeron {
  static final String EXPORTS = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED";

  private ExchangeVsAeron() {}

  public static void main(String[] args) throws Exception {
    shareClusterSecret();
    int passes = arg(args, 0, 1);
    int warmup = arg(args, 1, 2);
    int rounds = arg(args, 2, 5);
    long rawPerRound = arg(args, 3, 10_000_000);
    long sluicePerRound = arg(args, 4, 10_000_000);
    int workers = arg(args, 5, 1);
    int batchSize = arg(args, 6, 1000);
    System.out.printf("serde=%s (-Dbench.serde) ", SluiceExchange.SERDE);
    System.out.printf("passes=%d warmup=%d rounds=%d raw msgs/round=%d sluice items/round=%d workers/process=%d"
        + " batch=%d cores=%d java=%s%n", passes, warmup, rounds, rawPerRound, sluicePerRound, workers, batchSize,
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
    byte[] itemBytes = SluiceExchange.serde().serialize(new ArrayList<>(Collections.nCopies(500, new SluiceExchange.Item(new byte[32]))));
    double sluiceBytesPerItem = itemBytes.length / 500.0;
    System.out.printf("%s bytes per Item(32-byte payload) in a 500-item batch: %.2f%n", SluiceExchange.SERDE, sluiceBytesPerItem);

    for (int pass = 0; pass < passes; pass++) {
      List<double[]> raw = rawAeron(warmup, rounds, rawPerRound);
      List<double[]> sluice = sluice(warmup, rounds, sluicePerRound, workers, batchSize);
      double rawMedian = median(raw, 0);
      double sluiceMedian = median(sluice, 0);
      double sluiceBatches = median(sluice, 1);
      System.out.printf("%nPASS %d (medians of %d measured rounds; load average now %s)%n", pass, rounds, loadAverage());
      System.out.printf("  raw Aeron    : %,.0f msgs/s of 32 B = %,.1f MB/s payload%n", rawMedian, rawMedian * 32 / 1e6);
      System.out.printf("  Sluice cross : %,.0f items/s crossing processes, in %,.0f Aeron messages/s"
          + " (%.0f items/message) = %,.1f MB/s serialized%n", sluiceMedian, sluiceBatches,
          sluiceMedian / sluiceBatches, sluiceMedian * sluiceBytesPerItem / 1e6);
      System.out.printf("  Sluice total : %,.0f items/s through the flow (both processes)%n", median(sluice, 2));
      System.out.printf("  ratio Sluice items/s ÷ raw Aeron msgs/s = %.2f%n", sluiceMedian / rawMedian);
    }
  }

  /** Per measured round: {messages/s}. */
  static List<double[]> rawAeron(int warmup, int rounds, long perRound) throws Exception {
    List<String> addr = LocalCluster.freeLoopbackAddresses(1);
    int total = warmup + rounds;
    Process child = startChild("raw", addr.get(0), String.valueOf(total), String.valueOf(perRound));
    List<double[]> out = new ArrayList<>();
    try (RawAeron aeron = new RawAeron()) {
      BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      expect(lines, "READY");
      Thread sender = new Thread(() -> aeron.send(addr.get(0), 32, total, perRound, TimeUnit.SECONDS.toNanos(30)),
          "raw-sender");
      sender.start();
      for (int r = 0; r < total; r++) {
        String[] f = expect(lines, "RAW").split(" ");
        double rate = Long.parseLong(f[2]) / (Long.parseLong(f[3]) / 1e9);
        System.out.printf("raw    round %d%s: %,.0f msgs/s%n", r, r < warmup ? " (warm-up)" : "", rate);
        if (r >= warmup) {
          out.add(new double[] {rate});
        }
      }
      sender.join(TimeUnit.SECONDS.toMillis(60));
    } finally {
      finish(child);
    }
    return out;
  }

  /** Per measured round: {crossing items/s, crossing Aeron messages (batches)/s, total items/s}. */
  static List<double[]> sluice(int warmup, int rounds, long items, int workers, int batchSize) throws Exception {
    int total = warmup + rounds;
    List<List<String>> addresses = new ArrayList<>();
    StringBuilder arg = new StringBuilder();
    for (int r = 0; r < total; r++) {
      List<String> a = LocalCluster.freeLoopbackAddresses(2);
      addresses.add(a);
      arg.append(r == 0 ? "" : "|").append(a.get(0)).append(';').append(a.get(1));
    }
    Process child = startChild("sluice", arg.toString(), String.valueOf(items), String.valueOf(workers),
        String.valueOf(batchSize));
    List<double[]> out = new ArrayList<>();
    try {
      BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      for (int r = 0; r < total; r++) {
        SluiceExchange.Counts mine = SluiceExchange.run(0, addresses.get(r), workers, items, batchSize);
        String[] f = expect(lines, "SLUICE").split(" ");
        SluiceExchange.Counts theirs = new SluiceExchange.Counts(Boolean.parseBoolean(f[2]), Long.parseLong(f[3]),
            Long.parseLong(f[4]), 0, Long.parseLong(f[5]));
        // items that crossed are those the process that did not read the source received
        SluiceExchange.Counts crossed = mine.readSource() ? theirs : mine;
        long span = crossed.spanNanos();
        double rate = crossed.items() / (span / 1e9);
        double batchRate = crossed.batches() / (span / 1e9);
        long totalItems = mine.items() + theirs.items();
        double totalRate = totalItems / (Math.max(theirs.spanNanos(), mine.spanNanos()) / 1e9);
        System.out.printf("sluice round %d%s: %,.0f items/s crossed (%,d items in %,d batches), %,.0f items/s in all"
            + " (%,d items)%n", r, r < warmup ? " (warm-up)" : "", rate, crossed.items(), crossed.batches(), totalRate,
            totalItems);
        if (totalItems != items) {
          throw new IllegalStateException("lost items: " + totalItems + " of " + items);
        }
        if (r >= warmup) {
          out.add(new double[] {rate, batchRate, totalRate});
        }
      }
    } finally {
      finish(child);
    }
    return out;
  }

  /**
   * The two JVMs of a Sluice pass must prove membership with one secret: unless the environment or
   * a file names one already, this JVM writes a generated one to a temporary file (owner-only) and
   * both JVMs read it ({@link io.sluice.aeron.ClusterSecret#FILE_PROPERTY}).
   */
  private static void shareClusterSecret() throws IOException {
    if (System.getenv(io.sluice.aeron.ClusterSecret.ENV) != null
        || System.getProperty(io.sluice.aeron.ClusterSecret.FILE_PROPERTY) != null) {
      return;
    }
    java.nio.file.Path file = java.nio.file.Files.createTempFile("sluice-bench-secret", ".txt",
        java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
            java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
    file.toFile().deleteOnExit();
    byte[] random = new byte[32];
    new java.security.SecureRandom().nextBytes(random);
    java.nio.file.Files.writeString(file, java.util.HexFormat.of().formatHex(random));
    System.setProperty(io.sluice.aeron.ClusterSecret.FILE_PROPERTY, file.toString());
  }

  private static Process startChild(String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.add(EXPORTS);
    cmd.add("-Xmx1g");
    cmd.add("-Dbench.serde=" + SluiceExchange.SERDE);
    String secretFile = System.getProperty(io.sluice.aeron.ClusterSecret.FILE_PROPERTY);
    if (secretFile != null) {
      cmd.add("-D" + io.sluice.aeron.ClusterSecret.FILE_PROPERTY + "=" + secretFile);
    }
    String extra = System.getProperty("bench.childJvmArgs", "").trim();
    if (!extra.isEmpty()) {
      cmd.addAll(List.of(extra.split("\\s+")));
    }
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(ExchangeChild.class.getName());
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
  }

  private static void finish(Process child) throws InterruptedException {
    if (!child.waitFor(60, TimeUnit.SECONDS)) {
      child.destroy();
      if (!child.waitFor(10, TimeUnit.SECONDS)) {
        child.destroyForcibly();
      }
    }
  }

  private static String expect(BufferedReader lines, String prefix) throws IOException {
    String line;
    while ((line = lines.readLine()) != null) {
      if (line.startsWith(prefix)) {
        return line;
      }
      System.out.println("child: " + line);
    }
    throw new IllegalStateException("child ended before printing " + prefix);
  }

  private static double median(List<double[]> rows, int col) {
    double[] v = rows.stream().mapToDouble(r -> r[col]).sorted().toArray();
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  private static String loadAverage() {
    try {
      return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return "n/a";
    }
  }

  private static int arg(String[] args, int i, int dflt) {
    return args.length > i ? Integer.parseInt(args[i].replace("_", "")) : dflt;
  }
}
