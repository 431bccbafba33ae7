package io.sluice.benchmarks.latency;

import io.sluice.aeron.LocalCluster;
import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.ValueState;
import io.sluice.inputs.DynamicSource;
import io.sluice.inputs.StatelessSourcePartition;
import io.sluice.outputs.DynamicSink;
import io.sluice.outputs.StatelessSinkPartition;
import io.sluice.run.IdleProfile;
import io.sluice.run.RunConfig;
import io.sluice.run.Sluice;
import io.sluice.run.TransportThreading;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Open-loop latency of {@code source → map → keyOn (100 keys) → running count → sink}, with
 * HdrHistogram.
 *
 * <p>Open loop: item {@code i} is scheduled at {@code start + i / rate}, {@code start} being the
 * source's first poll (so a cluster's connection time is not counted); the source emits every
 * item whose scheduled time has come (at most {@code batch} per poll, no waiting to fill a batch),
 * stamped with its scheduled time, not the time it was emitted. The sink records
 * {@code now - scheduled}. A worker that was asleep, or a source that fell behind, shows up as
 * latency of every item that was due meanwhile (no coordinated omission).
 *
 * <p>The source is one partition, on worker 0; with more workers, the keyed exchange sends the
 * items of the other workers' keys across (threads in one process, or over Aeron between two
 * in-JVM processes). After the measured run, the same flow runs with a source that emits nothing
 * for {@code idle} seconds, and the JVM's CPU time over that period gives the CPU an idle flow uses.
 *
 * <p>Usage: {@code LatencyBenchmark rate batch workersPerProcess processes profile warmupSec measureSec idleSec
 * [readahead] [shared|invoker]}: with {@code readahead}, the source partition turns on
 * {@link StatelessSourcePartition#readAhead()} (the worker may call it again while items are due and
 * pass them on as one batch of up to 256); {@code shared} or {@code invoker} overrides the profile's
 * {@link TransportThreading}.
 */
public final class LatencyBenchmark {
  static final String[] KEYS = new String[100];

  static {
    for (int i = 0; i < KEYS.length; i++) {
      KEYS[i] = "key-" + i;
    }
  }

  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  public static void main(String[] args) {
    boolean badExtra = false;
    for (int i = 8; i < args.length; i++) {
      badExtra |= !List.of("readahead", "shared", "invoker").contains(args[i]);
    }
    if (args.length < 8 || args.length > 10 || badExtra) {
      System.err.println("usage: LatencyBenchmark rate batch workersPerProcess processes latency|throughput"
          + " warmupSec measureSec idleSec [readahead] [shared|invoker]");
      System.exit(2);
    }
    long rate = Long.parseLong(args[0]);
    int batch = Integer.parseInt(args[1]);
    int workers = Integer.parseInt(args[2]);
    int processes = Integer.parseInt(args[3]);
    // latency-spin: the LATENCY profile with workers that busy-spin instead of yielding (an experiment:
    // on a shared machine a yield hands the core to another program's thread; see docs/PERFORMANCE.md)
    IdleProfile profile = args[4].equals("latency-spin")
        ? IdleProfile.LATENCY.withWorkers(new io.sluice.run.Backoff(1_000_000, 100,
            java.time.Duration.ofNanos(1_000), java.time.Duration.ofMillis(1)))
        : IdleProfile.named(args[4]);
    boolean readAhead = false;
    for (int i = 8; i < args.length; i++) {
      if (args[i].equals("readahead")) {
        readAhead = true;
      } else {
        profile = profile.withThreading(TransportThreading.valueOf(args[i].toUpperCase(Locale.ROOT)));
      }
    }
    double warmup = Double.parseDouble(args[5]);
    double measure = Double.parseDouble(args[6]);
    double idle = Double.parseDouble(args[7]);
    if (rate < 1 || batch < 1 || workers < 1 || processes < 1 || processes > 2 || warmup < 0 || measure <= 0 || idle < 0) {
      System.err.println("rate, batch, workers >= 1; processes 1 or 2; measureSec > 0; warmupSec, idleSec >= 0");
      System.exit(2);
    }
    RunConfig config = RunConfig.workers(workers).withIdle(profile);

    Recorder recorder = new Recorder(3);
    LongAdder measured = new LongAdder();
    long interval = Math.max(1, 1_000_000_000L / rate);
    // the schedule starts when the source is first polled: after the threads (and in a cluster, Aeron) are up
    Schedule schedule = new Schedule((long) (warmup * 1e9), (long) (measure * 1e9), interval, true);
    Dataflow[] flows = new Dataflow[processes];
    for (int p = 0; p < processes; p++) {
      flows[p] = flow("latency", new OpenLoopSource(schedule, batch, readAhead), new LatencySink(recorder, schedule, measured));
    }
    StringBuilder runBusiest = new StringBuilder();
    Thread runMeter = new Thread(() -> {
      long giveUp = System.nanoTime() + 120_000_000_000L;
      while (schedule.start == 0 && System.nanoTime() < giveUp) {
        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
      }
      sleepUntil(schedule.measureFrom);
      java.util.Map<Long, Long> before = threadCpu();
      long t0 = System.nanoTime();
      sleepUntil(schedule.end - 100_000_000L);
      runBusiest.append(busiestThreads(before, threadCpu(), System.nanoTime() - t0));
    }, "run-cpu-meter");
    runMeter.setDaemon(true);
    runMeter.start();
    long cpu0 = OS.getProcessCpuTime();
    long wall0 = System.nanoTime();
    run(config, processes, flows, Duration.ofSeconds((long) (warmup + measure) + 120));
    long cpu1 = OS.getProcessCpuTime();
    long wall1 = System.nanoTime();
    Histogram h = recorder.getIntervalHistogram();

    // the idle flow: same steps, a source that emits nothing until it ends
    Schedule idleSchedule = new Schedule(0, (long) (idle * 1e9), interval, false);
    for (int p = 0; p < processes; p++) {
      flows[p] = flow("idle", new OpenLoopSource(idleSchedule, batch, readAhead),
          new LatencySink(new Recorder(3), idleSchedule, new LongAdder()));
    }
    long[] idleCpu = new long[2];
    StringBuilder busiest = new StringBuilder();
    Thread meter = new Thread(() -> {
      long giveUp = System.nanoTime() + 120_000_000_000L;
      while (idleSchedule.start == 0 && System.nanoTime() < giveUp) {
        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
      }
      long idleEnd = idleSchedule.end;
      sleepUntil(idleSchedule.start + 200_000_000L);
      java.util.Map<Long, Long> before = threadCpu();
      idleCpu[0] = OS.getProcessCpuTime();
      long t0 = System.nanoTime();
      sleepUntil(idleEnd - 100_000_000L);
      idleCpu[1] = OS.getProcessCpuTime() - idleCpu[0];
      idleCpu[0] = System.nanoTime() - t0;
      busiest.append(busiestThreads(before, threadCpu(), idleCpu[0]));
    }, "idle-cpu-meter");
    if (idle > 0.5) {
      meter.setDaemon(true);
      meter.start();
    }
    run(config, processes, flows, Duration.ofSeconds((long) idle + 120));
    double idleCores = idle > 0.5 ? (double) idleCpu[1] / idleCpu[0] : Double.NaN;

    System.out.printf(Locale.ROOT,
        "[latency] profile=%s threading=%s processes=%d workers/process=%d rate=%d/s batch=%d%s warmup=%.0fs measure=%.0fs"
            + " items=%d p50=%.1fus p99=%.1fus p99.9=%.1fus max=%.1fus run-cpu=%.2f-cores"
            + " idle-cpu=%.4f-cores (%.2f ms CPU per s idle: %d ns CPU in %d ns)%n",
        profile.name(), profile.threading().name().toLowerCase(Locale.ROOT), processes, workers, rate, batch,
        readAhead ? " read-ahead" : "", warmup, measure, h.getTotalCount(),
        h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3, h.getValueAtPercentile(99.9) / 1e3,
        h.getMaxValue() / 1e3, (double) (cpu1 - cpu0) / (wall1 - wall0), idleCores, idleCores * 1e3,
        idleCpu[1], idleCpu[0]);
    System.out.println("[latency] run CPU by thread (ms per s): " + runBusiest);
    if (busiest.length() > 0) {
      System.out.println("[latency] idle CPU by thread (ms per s): " + busiest);
    }
    if (h.getTotalCount() < (long) (0.9 * measure * rate)) {
      System.out.printf("[latency] WARNING: measured %d items, expected about %d: the source fell behind%n",
          h.getTotalCount(), (long) (measure * rate));
    }
    System.exit(0); // the in-JVM cluster's shared media driver closes in a shutdown hook
  }

  private static final java.lang.management.ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private static java.util.Map<Long, Long> threadCpu() {
    java.util.Map<Long, Long> m = new java.util.HashMap<>();
    for (long id : THREADS.getAllThreadIds()) {
      m.put(id, THREADS.getThreadCpuTime(id));
    }
    return m;
  }

  /** The five threads that used the most CPU between two samples, as {@code name=ms-per-s}. */
  private static String busiestThreads(java.util.Map<Long, Long> before, java.util.Map<Long, Long> after, long wall) {
    List<java.util.Map.Entry<String, Long>> used = new ArrayList<>();
    for (var e : after.entrySet()) {
      long b = before.getOrDefault(e.getKey(), 0L);
      var info = THREADS.getThreadInfo(e.getKey());
      if (info != null && e.getValue() > b) {
        used.add(java.util.Map.entry(info.getThreadName(), e.getValue() - b));
      }
    }
    used.sort(java.util.Map.Entry.<String, Long>comparingByValue().reversed());
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < Math.min(8, used.size()); i++) {
      sb.append(i == 0 ? "" : ", ").append(used.get(i).getKey()).append('=')
          .append(String.format(Locale.ROOT, "%.1f", used.get(i).getValue() * 1e3 / wall));
    }
    return sb.toString();
  }

  private static void sleepUntil(long nanoTime) {
    long left;
    while ((left = nanoTime - System.nanoTime()) > 0) {
      java.util.concurrent.locks.LockSupport.parkNanos(left);
    }
  }

  private static void run(RunConfig config, int processes, Dataflow[] flows, Duration timeout) {
    if (processes == 1) {
      Sluice.start(flows[0], config).await(timeout);
    } else {
      LocalCluster.run(processes, config, p -> flows[p], timeout);
    }
  }

  static Dataflow flow(String name, OpenLoopSource source, LatencySink sink) {
    Dataflow flow = new Dataflow(name);
    flow.input("in", source)
        .map("work", (Long scheduled) -> scheduled) // the stateless step of the pipeline
        .keyOn("key", (Long scheduled) -> KEYS[(int) ((scheduled >>> 10) % KEYS.length)])
        .statefulMap("count", (ValueState<Long> count, Long scheduled) -> {
          Long c = count.get();
          count.set(c == null ? 1L : c + 1L);
          return scheduled;
        })
        .keyRm("value")
        .output("out", sink);
    return flow;
  }

  /**
   * When items are due: from the source's first poll ({@code start}), one every {@code interval} ns;
   * the sink records items due from {@code measureFrom} on; the source ends at {@code end}. Set once,
   * by the one source partition, read by the sinks (one JVM).
   */
  static final class Schedule {
    final long warmup;
    final long measure;
    final long interval;
    final boolean emits;
    volatile long start;
    volatile long measureFrom = Long.MAX_VALUE;
    volatile long end = Long.MAX_VALUE;

    Schedule(long warmup, long measure, long interval, boolean emits) {
      this.warmup = warmup;
      this.measure = measure;
      this.interval = interval;
      this.emits = emits;
    }

    void begin(long now) {
      end = now + warmup + measure;
      measureFrom = emits ? now + warmup : Long.MAX_VALUE;
      start = now;
    }
  }

  /** One partition on global worker 0: the items due by now, each its scheduled time in ns. */
  static final class OpenLoopSource implements DynamicSource<Long> {
    private final Schedule schedule;
    private final int batch;
    private final boolean readAhead;

    OpenLoopSource(Schedule schedule, int batch, boolean readAhead) {
      this.schedule = schedule;
      this.batch = batch;
      this.readAhead = readAhead;
    }

    @Override
    public StatelessSourcePartition<Long> build(String stepId, int workerIndex, int workerCount) {
      if (workerIndex != 0) {
        return () -> null;
      }
      return new StatelessSourcePartition<>() {
        long next;
        long end;
        final long interval = schedule.interval;

        @Override
        public boolean readAhead() {
          return readAhead;
        }

        @Override
        public List<Long> nextBatch() {
          long now = System.nanoTime();
          if (schedule.start == 0) {
            schedule.begin(now);
            next = schedule.emits ? now : Long.MAX_VALUE;
            end = schedule.end;
          }
          if (next >= end) {
            return now >= end ? null : List.of();
          }
          if (next > now) {
            return List.of();
          }
          List<Long> out = new ArrayList<>(Math.min(batch, 64));
          while (next <= now && next < end && out.size() < batch) {
            out.add(next);
            next += interval;
          }
          return out;
        }
      };
    }
  }

  /** Records {@code now - scheduled} of every item scheduled at or after {@code from}. */
  static final class LatencySink implements DynamicSink<Long> {
    private final Recorder recorder;
    private final Schedule schedule;
    private final LongAdder measured;

    LatencySink(Recorder recorder, Schedule schedule, LongAdder measured) {
      this.recorder = recorder;
      this.schedule = schedule;
      this.measured = measured;
    }

    @Override
    public StatelessSinkPartition<Long> build(String stepId, int workerIndex, int workerCount) {
      return items -> {
        long now = System.nanoTime();
        long from = schedule.measureFrom;
        for (int i = 0, n = items.size(); i < n; i++) {
          long t = items.get(i);
          if (t >= from) {
            recorder.recordValue(Math.max(0, now - t));
          }
        }
      };
    }
  }
}
