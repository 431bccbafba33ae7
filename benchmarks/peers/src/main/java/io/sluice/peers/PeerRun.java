package io.sluice.peers;

import io.sluice.dataflow.Dataflow;
import io.sluice.peers.nexmark.FlinkNexmark;
import io.sluice.peers.nexmark.Generator;
import io.sluice.peers.nexmark.Queries;
import io.sluice.peers.nexmark.SluiceNexmark;
import io.sluice.run.RunConfig;
import io.sluice.run.Sluice;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Runs one job in one engine and prints one line per run:
 * {@code [peer] engine=… job=… workers=… items=… wall-ms=… items/s=… cpu-ns/item=…}.
 * Wall and CPU time cover the whole job: submitting it, the run, the end (for Flink: starting and
 * stopping its local MiniCluster; for Sluice: starting and joining the worker threads).
 *
 * <p>Usage: {@code PeerRun sluice|flink job workers items [runs]}, job one of {@code spread2us} (one-partition source, redistribute, ~2 µs of work per item), {@code keyed100},
 * {@code keyed1m} (keyed count with 100 / 1 M keys), {@code q0}–{@code q3}, {@code q5}, {@code q7},
 * {@code q8} (NEXMark; the windowed ones on event time, sources interleaved in chunks of
 * {@value #CHUNK} events, Sluice on {@link SluiceNexmark#windowedConfig}). With {@code runs} &gt; 1 the
 * job runs again in the same JVM (warm). Sluice's windowed runs also print {@code late=}: items its
 * window steps found late (expected 0; Flink drops none here, see {@link Queries#outOfOrdernessMillis}).
 * With {@code -Dpeers.windowedClock=system} Sluice's windowed runs use the system clock instead of
 * {@link SluiceNexmark#windowedConfig}'s virtual time (no epoch per chunk, so no lock step between
 * workers; event clocks' watermarks then also move with wall time, and items may be late): to
 * measure what the lock step costs.
 */
public final class PeerRun {
  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  /** Events per chunk (and per Sluice source batch) of the windowed queries. */
  static final int CHUNK = 1000;

  private static long lastLate = -1;

  public static void main(String[] args) throws Exception {
    if (args.length < 4 || args.length > 5) {
      System.err.println("usage: PeerRun sluice|flink spread2us|keyed100|keyed1m|q0|q1|q2|q3|q5|q7|q8 workers items [runs]");
      System.exit(2);
    }
    String engine = args[0];
    String job = args[1];
    int workers = Integer.parseInt(args[2]);
    long items = Long.parseLong(args[3]);
    int runs = args.length == 5 ? Integer.parseInt(args[4]) : 1;
    if (!engine.equals("sluice") && !engine.equals("flink")) {
      System.err.println("engine must be sluice or flink, got " + engine);
      System.exit(2);
    }
    for (int r = 1; r <= runs; r++) {
      long cpu0 = OS.getProcessCpuTime();
      long jit0 = jitMillis();
      long gc0 = gcMillis();
      long gcs0 = gcCount();
      lastLate = -1;
      long t0 = System.nanoTime();
      long out = engine.equals("sluice") ? sluice(job, workers, items) : flink(job, workers, items);
      long wall = System.nanoTime() - t0;
      long cpu = OS.getProcessCpuTime() - cpu0;
      System.out.printf(Locale.ROOT,
          "[peer] engine=%s job=%s workers=%d run=%d items=%d outputs=%d wall-ms=%.0f items/s=%.0f cpu-ns/item=%.1f"
              + " jit-ms=%d gc-ms=%d gcs=%d%s%n",
          engine, job, workers, r, items, out, wall / 1e6, items / (wall / 1e9), (double) cpu / items,
          jitMillis() - jit0, gcMillis() - gc0, gcCount() - gcs0, lastLate >= 0 ? " late=" + lastLate : "");
    }
    System.exit(0);
  }

  /** JIT compiler threads' time so far (all compilers), ms. */
  static long jitMillis() {
    var c = ManagementFactory.getCompilationMXBean();
    return c != null && c.isCompilationTimeMonitoringSupported() ? c.getTotalCompilationTime() : -1;
  }

  static long gcMillis() {
    long t = 0;
    for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      t += Math.max(0, gc.getCollectionTime());
    }
    return t;
  }

  static long gcCount() {
    long n = 0;
    for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      n += Math.max(0, gc.getCollectionCount());
    }
    return n;
  }

  static long sluice(String job, int workers, long items) {
    Counters.SluiceCount sink = new Counters.SluiceCount();
    int query = job.startsWith("q") ? query(job) : -1;
    if (Queries.windowed(query)) {
      Counters.SluiceCount late = new Counters.SluiceCount();
      String clock = System.getProperty("peers.windowedClock", "virtual");
      if (!clock.equals("virtual") && !clock.equals("system")) {
        throw new IllegalArgumentException("peers.windowedClock must be virtual or system, got " + clock);
      }
      Sluice.run(SluiceNexmark.windowedFlow(query, new Generator(42), items, CHUNK, workers, sink, late),
          clock.equals("system") ? RunConfig.workers(workers) : SluiceNexmark.windowedConfig(workers));
      lastLate = late.count.sum();
      return sink.count.sum();
    }
    Dataflow flow = switch (job) {
      case "spread2us" -> Spread.sluice(items, sink);
      case "keyed100" -> KeyedCount.sluice(items, 100, sink);
      case "keyed1m" -> KeyedCount.sluice(items, 1_000_000, sink);
      default -> SluiceNexmark.flow(query(job), new Generator(42), items, 1000, sink);
    };
    Sluice.run(flow, RunConfig.workers(workers));
    return sink.count.sum();
  }

  static long flink(String job, int workers, long items) throws Exception {
    StreamExecutionEnvironment env = environment(workers);
    DataStream<?> out = switch (job) {
      case "spread2us" -> Spread.flink(env, items);
      case "keyed100" -> KeyedCount.flink(env, items, 100);
      case "keyed1m" -> KeyedCount.flink(env, items, 1_000_000);
      default -> {
        int query = query(job);
        Generator gen = new Generator(42);
        yield Queries.windowed(query)
            ? FlinkNexmark.windowedQuery(query, FlinkNexmark.windowedEvents(env, gen, items, CHUNK, workers))
            : FlinkNexmark.query(query, FlinkNexmark.events(env, gen, items));
      }
    };
    Counters.FLINK.reset();
    out.addSink(new Counters.FlinkCount<>()).name("count");
    env.execute(job);
    return Counters.FLINK.sum();
  }

  /** A local environment with {@code parallelism} slots, Flink's defaults otherwise. */
  public static StreamExecutionEnvironment environment(int parallelism) {
    Configuration conf = new Configuration();
    return StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
  }

  private static int query(String job) {
    if (job.length() == 2 && job.charAt(0) == 'q' && "0123578".indexOf(job.charAt(1)) >= 0) {
      return job.charAt(1) - '0';
    }
    throw new IllegalArgumentException("unknown job '" + job
        + "': expected spread2us, keyed100, keyed1m, q0, q1, q2, q3, q5, q7 or q8");
  }
}
