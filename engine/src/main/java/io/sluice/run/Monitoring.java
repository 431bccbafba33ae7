package io.sluice.run;

import io.sluice.connectors.FileSource;
import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.Step;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.ServiceLoader;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code sluice run} does to let people watch a run: the metrics server found with
 * {@link ServiceLoader} ({@code --metrics-port}), the per-step table every interval
 * ({@code --stats-interval}), a progress line for file sources on a terminal, and the rule that
 * takes the process id from a StatefulSet pod's hostname.
 */
final class Monitoring {
  private Monitoring() {}

  /** The system property {@code bin/sluice} sets to true when stderr is a terminal (Java cannot tell). */
  static final String STDERR_TTY_PROPERTY = "sluice.stderr.tty";

  private static final Pattern ORDINAL = Pattern.compile("^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?-(\\d{1,9})$");

  /**
   * {@link Cli.Durations#parse} (what {@code -s} and {@code -b} take) for an interval that must be
   * positive.
   *
   * @throws IllegalArgumentException naming the option and the text
   */
  static Duration parseDuration(String option, String text) {
    Duration d = Cli.Durations.parse(option, text);
    if (d.isZero()) {
      throw new IllegalArgumentException(option + " must be positive, got '" + text + "'");
    }
    return d;
  }

  /**
   * The pod ordinal in a StatefulSet pod's hostname: {@code sluice-2} (or
   * {@code sluice-2.sluice.default.svc.cluster.local}) gives 2. Only the first DNS label counts,
   * and it must end in {@code -<digits>} after a non-empty name.
   */
  static OptionalInt ordinalOf(String hostname) {
    if (hostname == null || hostname.isBlank()) {
      return OptionalInt.empty();
    }
    String label = hostname.trim();
    int dot = label.indexOf('.');
    if (dot >= 0) {
      label = label.substring(0, dot);
    }
    Matcher m = ORDINAL.matcher(label);
    return m.matches() ? OptionalInt.of(Integer.parseInt(m.group(1))) : OptionalInt.empty();
  }

  /** This host's name: {@code $HOSTNAME} (Kubernetes sets it to the pod name), else what the resolver says. */
  static String localHostname() {
    String env = System.getenv("HOSTNAME");
    if (env != null && !env.isBlank()) {
      return env;
    }
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      return "";
    }
  }

  /**
   * The metrics server from {@code sluice-metrics}, serving on {@code PORT} or {@code HOST:PORT}.
   *
   * @throws IllegalArgumentException if no {@link RunObserverProvider} is on the classpath
   */
  static RunObserver metricsServer(String hostAndPort) {
    int colon = hostAndPort.lastIndexOf(':');
    String host = colon < 0 ? null : hostAndPort.substring(0, colon);
    int port;
    try {
      port = Integer.parseInt(hostAndPort.substring(colon + 1));
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (port < 0 || port > 65535 || host != null && host.isBlank()) {
      throw new IllegalArgumentException("--metrics-port must be PORT or HOST:PORT with PORT 0-65535, got '"
          + hostAndPort + "'");
    }
    java.net.InetSocketAddress address = host == null ? new java.net.InetSocketAddress(port)
        : new java.net.InetSocketAddress(host, port);
    if (address.isUnresolved()) {
      throw new IllegalArgumentException("--metrics-port: cannot resolve host '" + host + "'");
    }
    for (RunObserverProvider p : ServiceLoader.load(RunObserverProvider.class)) {
      return p.serveMetrics(address);
    }
    throw new IllegalArgumentException("--metrics-port needs sluice-metrics on the classpath"
        + " (bin/sluice's jar has it; with your own jar add io.sluice:sluice-metrics)");
  }

  /**
   * Runs {@code flow}, printing the per-step table to {@code err} every {@code statsInterval} (if
   * not null) and, when stderr is a terminal and the flow reads {@link FileSource}s, a progress
   * line every second.
   */
  static RunResult run(Dataflow flow, RunConfig config, Duration statsInterval, PrintWriter err) {
    return run(flow, config, statsInterval, err, r -> { });
  }

  /** Like {@link #run(Dataflow, RunConfig, Duration, PrintWriter)}, handing {@code started} the run once it started. */
  static RunResult run(Dataflow flow, RunConfig config, Duration statsInterval, PrintWriter err,
      java.util.function.Consumer<RunningDataflow> started) {
    RunningDataflow running = Sluice.start(flow, config);
    started.accept(running);
    List<FileSource> files = new ArrayList<>();
    for (Step s : flow.steps()) {
      if (s instanceof Step.Input in && in.source() instanceof FileSource f) {
        files.add(f);
      }
    }
    boolean progress = !files.isEmpty() && Boolean.getBoolean(STDERR_TTY_PROPERTY);
    if (statsInterval == null && !progress) {
      return running.await();
    }
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "sluice-stats");
      t.setDaemon(true);
      return t;
    });
    try {
      if (statsInterval != null) {
        timer.scheduleAtFixedRate(() -> {
          synchronized (err) {
            if (progress) {
              err.print("\r\033[K");
            }
            printTable(running.liveStats(), err);
          }
        }, statsInterval.toMillis(), statsInterval.toMillis(), TimeUnit.MILLISECONDS);
      }
      if (progress) {
        long total = files.stream().mapToLong(FileSource::totalBytes).filter(b -> b >= 0).sum();
        timer.scheduleAtFixedRate(() -> {
          synchronized (err) {
            err.print("\r\033[K" + progressLine(running.liveStats(), files.stream().mapToLong(FileSource::bytesRead).sum(),
                total));
            err.flush();
          }
        }, 1, 1, TimeUnit.SECONDS);
      }
      return running.await();
    } finally {
      timer.shutdownNow();
      if (progress) {
        synchronized (err) {
          err.print("\r\033[K");
          err.flush();
        }
      }
    }
  }

  /** {@code read 12.0 MiB of 40.0 MiB (30%), 250000 items/s}: the inputs' items over the run's time. */
  static String progressLine(LiveStats s, long bytesRead, long totalBytes) {
    long items = 0;
    for (LiveStats.Step row : s.steps()) {
      if (row.kind().equals("input")) {
        items += row.itemsOut();
      }
    }
    double seconds = Math.max(1e-3, s.elapsedNanos() / 1e9);
    String of = totalBytes > 0 ? String.format(Locale.ROOT, " of %s (%d%%)", mib(totalBytes),
        Math.min(100, bytesRead * 100 / totalBytes)) : "";
    return String.format(Locale.ROOT, "read %s%s, %d items/s", mib(bytesRead), of, Math.round(items / seconds));
  }

  private static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
  }

  /** The same table as {@code --stats}, from a running flow, headed by its state and time. */
  static void printTable(LiveStats s, PrintWriter err) {
    err.printf(Locale.ROOT, "-- %s after %.1f s: %s, epoch %d%n", s.flowName(), s.elapsedNanos() / 1e9,
        s.state().name().toLowerCase(Locale.ROOT), s.epoch());
    boolean watermarks = s.steps().stream().anyMatch(LiveStats.Step::hasWatermark);
    if (!watermarks) {
      err.printf("%-24s %-6s %12s %12s%n", "step", "worker", "items in", "items out");
      for (LiveStats.Step row : s.steps()) {
        err.printf("%-24s %-6d %12d %12d%n", row.stepId(), row.worker(), row.itemsIn(), row.itemsOut());
      }
    } else { // window steps: how far their watermark is behind the run's time
      err.printf("%-24s %-6s %12s %12s %14s%n", "step", "worker", "items in", "items out", "watermark lag");
      for (LiveStats.Step row : s.steps()) {
        err.printf(Locale.ROOT, "%-24s %-6d %12d %12d %14s%n", row.stepId(), row.worker(), row.itemsIn(), row.itemsOut(),
            row.hasWatermark() ? String.format(Locale.ROOT, "%.1f s", row.watermarkLagMillis() / 1000.0) : "");
      }
    }
    err.flush();
  }
}
