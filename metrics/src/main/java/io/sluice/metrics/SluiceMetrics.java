package io.sluice.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sluice.dataflow.Dataflow;
import io.sluice.run.LiveStats;
import io.sluice.run.RunConfig;
import io.sluice.run.RunObserver;
import io.sluice.run.RunningDataflow;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import java.util.function.ToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Micrometer metrics and a health check for Sluice runs. Give it to a run with
 * {@link RunConfig#withObserver}; it binds what the engine measures to a {@link MeterRegistry}:
 * either yours ({@link #bindTo}) or its own Prometheus registry served over HTTP ({@link #serve}:
 * {@code /metrics} in Prometheus text format, {@code /health}). {@code sluice run --metrics-port N}
 * uses {@link #serve}.
 *
 * <p>Meters (Micrometer names; Prometheus renders dots as underscores and adds unit suffixes). Every
 * meter has the tags {@code flow} and {@code process}; per-step meters also {@code step} and
 * {@code worker} (the global worker index):
 * <ul>
 *   <li>{@code sluice.step.items.in}, {@code sluice.step.items.out}, {@code sluice.step.batches.out}
 *       (function counters): what {@code RunResult}'s step statistics count, live</li>
 *   <li>{@code sluice.step.activation} (timer with a percentile histogram): each run of the step's
 *       code; a long tail shows a step that blocks its worker</li>
 *   <li>{@code sluice.exchange.queue.depth} (gauge, exchange steps): batches waiting in the worker's
 *       inbound channels from this process's workers</li>
 *   <li>{@code sluice.exchange.backpressured} (function counter, seconds, exchange steps): time the
 *       worker held items back because a target's channel was full</li>
 *   <li>{@code sluice.epoch} (gauge): the oldest epoch a worker of this process has open;
 *       {@code sluice.epoch.completed} (gauge): the newest epoch complete in the cluster (with
 *       recovery: snapshots written); {@code sluice.run.running}
 *       (gauge): 1 while the run runs</li>
 *   <li>with recovery on: {@code sluice.snapshot.write} (timer: each batch of snapshots the
 *       process's recovery writer encoded and wrote), {@code sluice.snapshot.snapshots} (counter:
 *       keys and partition states written), {@code sluice.snapshot.bytes} (distribution summary,
 *       bytes written to the store per write batch), {@code sluice.snapshot.epoch} (gauge: the newest epoch this process wrote
 *       snapshots of)</li>
 *   <li>window steps, per step and worker: {@code sluice.window.watermark.lag} (time gauge: the
 *       run's time minus the newest watermark of the step's keys on the worker) and
 *       {@code sluice.window.watermark} (time gauge: that watermark, since the Unix epoch); they
 *       appear within a second of the step's first item</li>
 *   <li>Kafka sources (with kafka-clients on the class path): every partition's consumer's own
 *       metrics through Micrometer's {@code KafkaClientMetrics} ({@code kafka.consumer.*}, among them
 *       {@code kafka.consumer.fetch.manager.records.lag} per topic and partition), tagged also with
 *       step and worker; they appear within a second of the consumer's first fetch and go when the
 *       partition closes</li>
 *   <li>with {@link #serve}: the JVM's memory, GC, threads, class loading, CPU and uptime
 *       (Micrometer's binders)</li>
 * </ul>
 * Counters are read from the run when the registry is scraped (at most every 100 ms), so they cost
 * the workers nothing; only the activation timer records on the worker threads.
 *
 * <p>Health ({@link #health()}, {@code GET /health}): {@code 503 STARTING} until every process of the
 * cluster has connected, {@code 200 RUNNING}, {@code 200 FINISHED}, and {@code 503 FAILED} (with the
 * reason) once the run failed or could not start.
 */
public final class SluiceMetrics implements RunObserver {
  private static final Logger LOG = LoggerFactory.getLogger(SluiceMetrics.class);
  private static final long STATS_MAX_AGE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  /** How often meters that appear while a run runs (window watermarks, Kafka client metrics) are looked for. */
  static final Duration REFRESH = Duration.ofSeconds(1);
  /** Whether kafka-clients (an optional dependency) is on the class path. */
  private static final boolean KAFKA = present("org.apache.kafka.clients.consumer.Consumer");

  private final MeterRegistry registry;
  private final PrometheusMeterRegistry prometheus;
  private final HttpServer server;
  private final ExecutorService httpThreads;
  private final JvmGcMetrics gcMetrics;
  private final List<Meter> meters = new CopyOnWriteArrayList<>();
  /** One daemon thread: looks for new watermark rows and refreshes the Kafka client binders. */
  private final ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "sluice-metrics-refresh");
    t.setDaemon(true);
    return t;
  });
  /** Bound clients' binders (Kafka's KafkaClientMetrics), by client identity. */
  private final Map<Object, AutoCloseable> clients = new ConcurrentHashMap<>();
  /** Rows (step/worker) whose watermark meters are registered. */
  private final Set<String> watermarkRows = new HashSet<>();
  /** The newest epoch this process's recovery writer wrote snapshots of; 0 before any. */
  private final AtomicLong snapshotEpoch = new AtomicLong();
  private volatile Timer snapshotWrite;
  private volatile Counter snapshotCount;
  private volatile DistributionSummary snapshotBytes;
  private volatile java.util.concurrent.Future<?> watermarkTask;

  private volatile Tags runTags = Tags.empty();
  private volatile RunningDataflow run;
  private volatile String startFailure;
  private volatile boolean started;
  private LiveStats cached;
  private long cachedAt;

  private SluiceMetrics(MeterRegistry registry, PrometheusMeterRegistry prometheus, InetSocketAddress address) {
    this.registry = registry;
    this.prometheus = prometheus;
    if (address == null) {
      this.server = null;
      this.httpThreads = null;
      this.gcMetrics = null;
      return;
    }
    new JvmMemoryMetrics().bindTo(registry);
    this.gcMetrics = new JvmGcMetrics();
    gcMetrics.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    try {
      this.server = HttpServer.create(address, 16);
    } catch (IOException e) {
      gcMetrics.close();
      throw new UncheckedIOException("cannot serve metrics on " + address + ": " + e.getMessage(), e);
    }
    this.httpThreads = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "sluice-metrics-http");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(httpThreads);
    server.createContext("/metrics", this::handleMetrics);
    server.createContext("/health", this::handleHealth);
    server.start();
    LOG.info("serving /metrics and /health on port {}", port());
  }

  /**
   * Binds the runs' meters to {@code registry} (yours: Micrometer's Prometheus, OTLP, JMX...). No
   * HTTP server and no JVM binders: bind those to your registry yourself if you want them.
   */
  public static SluiceMetrics bindTo(MeterRegistry registry) {
    return new SluiceMetrics(Objects.requireNonNull(registry, "registry"), null, null);
  }

  /**
   * Serves {@code /metrics} (Prometheus text format 0.0.4) and {@code /health} on {@code port} of
   * every interface (0: any free port, see {@link #port()}), from a Prometheus registry of its own
   * with the JVM binders.
   *
   * @throws UncheckedIOException if the port cannot be bound
   */
  public static SluiceMetrics serve(int port) {
    return serve(new InetSocketAddress(port));
  }

  /** {@link #serve(int)} on one address (e.g. loopback only). */
  public static SluiceMetrics serve(InetSocketAddress address) {
    if (address.getPort() < 0 || address.getPort() > 65535) {
      throw new IllegalArgumentException("metrics port must be 0-65535, got " + address.getPort());
    }
    PrometheusMeterRegistry r = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    return new SluiceMetrics(r, r, address);
  }

  /** The registry the meters are in. */
  public MeterRegistry registry() {
    return registry;
  }

  /** The port {@code /metrics} is served on; -1 when bound to a user's registry. */
  public int port() {
    return server == null ? -1 : server.getAddress().getPort();
  }

  /** The registry's Prometheus text, as {@code GET /metrics} answers; only with {@link #serve}. */
  public String scrape() {
    if (prometheus == null) {
      throw new IllegalStateException("scrape() needs SluiceMetrics.serve(...); with bindTo, scrape your own registry");
    }
    return prometheus.scrape();
  }

  /**
   * The run's health, as {@code GET /health} answers.
   *
   * @param healthy whether the answer is 200 (true) or 503
   * @param status  {@code STARTING}, {@code RUNNING}, {@code FINISHED} or {@code FAILED}
   * @param detail  the failure's reason, else empty
   */
  public record Health(boolean healthy, String status, String detail) {}

  /** The run's health now; see the class comment. */
  public Health health() {
    if (startFailure != null) {
      return new Health(false, "FAILED", startFailure);
    }
    RunningDataflow r = run;
    if (r == null) {
      return new Health(false, "STARTING", started ? "connecting to the cluster" : "no run yet");
    }
    LiveStats s = stats();
    return switch (s.state()) {
      case RUNNING -> new Health(true, "RUNNING", "");
      case FINISHED -> new Health(true, "FINISHED", "");
      case FAILED -> new Health(false, "FAILED", s.failure() == null ? "" : s.failure());
    };
  }

  // ------------------------------------------------------------------ RunObserver

  @Override
  public void starting(Dataflow flow, RunConfig config) {
    removeMeters();
    run = null;
    startFailure = null;
    started = true;
    synchronized (this) {
      cached = null;
      watermarkRows.clear();
    }
    runTags = Tags.of("flow", flow.name(), "process", String.valueOf(config.processId()));
    snapshotEpoch.set(0);
    if (config.recovery() != null) {
      Timer write = Timer.builder("sluice.snapshot.write")
          .description("how long the recovery writer took to encode and write one batch of snapshots (states the workers"
              + " serialized themselves not included)")
          .tags(runTags).publishPercentileHistogram()
          .minimumExpectedValue(Duration.ofNanos(10_000)).maximumExpectedValue(Duration.ofSeconds(60))
          .register(registry);
      Counter count = Counter.builder("sluice.snapshot.snapshots")
          .description("snapshots written to the recovery store: changed keys (and deletions) and partition states")
          .tags(runTags).register(registry);
      DistributionSummary bytes = DistributionSummary.builder("sluice.snapshot.bytes")
          .description("bytes written to the recovery store (chunks of encoded keys and states) per batch of snapshots")
          .baseUnit("bytes")
          .tags(runTags).register(registry);
      meters.add(write);
      meters.add(count);
      meters.add(bytes);
      meters.add(Gauge.builder("sluice.snapshot.epoch", snapshotEpoch, AtomicLong::get)
          .description("the newest epoch this process wrote snapshots of (complete in the cluster: sluice.epoch.completed)")
          .tags(runTags).register(registry));
      snapshotWrite = write;
      snapshotCount = count;
      snapshotBytes = bytes;
    } else {
      snapshotWrite = null;
      snapshotCount = null;
      snapshotBytes = null;
    }
  }

  @Override
  public void snapshotsWritten(long epoch, long snapshots, long bytes, long nanos) {
    Timer write = snapshotWrite;
    if (write == null) {
      return;
    }
    write.record(nanos, TimeUnit.NANOSECONDS);
    snapshotCount.increment(snapshots);
    snapshotBytes.record(bytes);
    snapshotEpoch.accumulateAndGet(epoch, Math::max);
  }

  /**
   * Binds a Kafka client's own metrics (Micrometer's {@code KafkaClientMetrics}) with the run's tags
   * plus {@code step} and {@code worker}; other clients are ignored.
   */
  @Override
  public void clientOpened(String stepId, int worker, String partition, Object client) {
    if (!KAFKA || client == null) {
      return;
    }
    Tags tags = runTags.and("step", stepId, "worker", String.valueOf(worker));
    AutoCloseable binder = KafkaBinding.bind(client, tags, registry, refresher, REFRESH);
    if (binder != null) {
      AutoCloseable before = clients.put(client, binder);
      closeQuietly(before);
    }
  }

  @Override
  public void clientClosed(String stepId, int worker, String partition, Object client) {
    if (client != null) {
      closeQuietly(clients.remove(client));
    }
  }

  @Override
  public LongConsumer activationListener(String stepId, int worker) {
    Timer timer = Timer.builder("sluice.step.activation")
        .description("how long one run of the step's code took on the worker")
        .tags(runTags).tag("step", stepId).tag("worker", String.valueOf(worker))
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(1_000))
        .maximumExpectedValue(Duration.ofSeconds(30))
        .register(registry);
    meters.add(timer);
    return nanos -> timer.record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void running(RunningDataflow r) {
    this.run = r;
    LiveStats first = stats();
    Tags tags = runTags;
    meters.add(Gauge.builder("sluice.epoch", this, m -> m.stats().epoch())
        .description("the oldest epoch a worker of this process has open").tags(tags).register(registry));
    meters.add(Gauge.builder("sluice.epoch.completed", this, m -> m.stats().completedEpoch())
        .description("the newest epoch complete in the whole cluster (snapshots written, with recovery)")
        .tags(tags).register(registry));
    meters.add(Gauge.builder("sluice.run.running", this, m -> m.stats().state() == LiveStats.State.RUNNING ? 1 : 0)
        .description("1 while the run runs, 0 once it finished or failed").tags(tags).register(registry));
    List<LiveStats.Step> rows = first.steps();
    java.util.concurrent.Future<?> before = watermarkTask;
    if (before != null) {
      before.cancel(false);
    }
    watermarkTask = refresher.scheduleWithFixedDelay(this::registerWatermarks, 0, REFRESH.toMillis(),
        TimeUnit.MILLISECONDS);
    for (int i = 0; i < rows.size(); i++) {
      LiveStats.Step row = rows.get(i);
      Tags t = tags.and("step", row.stepId(), "worker", String.valueOf(row.worker()));
      int at = i;
      counter("sluice.step.items.in", "items the step received on the worker", null, t, at, LiveStats.Step::itemsIn);
      counter("sluice.step.items.out", "items the step emitted on the worker", null, t, at, LiveStats.Step::itemsOut);
      counter("sluice.step.batches.out", "batches the step emitted on the worker", null, t, at,
          LiveStats.Step::batchesOut);
      if (row.exchanges()) {
        meters.add(Gauge.builder("sluice.exchange.queue.depth", this, m -> m.row(at).queueDepth())
            .description("batches waiting in the worker's inbound channels from workers of this process")
            .tags(t).register(registry));
        counter("sluice.exchange.backpressured", "time the worker held items back because a target channel was full",
            "seconds", t, at, s -> s.backPressuredNanos() / 1e9);
      }
    }
  }

  @Override
  public void startFailed(Throwable failure) {
    startFailure = String.valueOf(failure.getMessage());
  }

  /** Stops the HTTP server (if any) and removes this observer's meters from the registry. */
  @Override
  public void close() {
    if (server != null) {
      server.stop(0);
      httpThreads.shutdownNow();
    }
    refresher.shutdownNow();
    if (gcMetrics != null) {
      gcMetrics.close();
    }
    removeMeters();
  }

  // ------------------------------------------------------------------ internals

  private void counter(String name, String description, String unit, Tags tags, int row,
      ToDoubleFunction<LiveStats.Step> value) {
    meters.add(FunctionCounter.builder(name, this, m -> value.applyAsDouble(m.row(row)))
        .description(description).baseUnit(unit).tags(tags).register(registry));
  }

  private void removeMeters() {
    for (AutoCloseable c : clients.values()) {
      closeQuietly(c);
    }
    clients.clear();
    for (Meter m : meters) {
      registry.remove(m);
    }
    meters.clear();
  }

  /**
   * Registers the watermark meters of rows that have a watermark now and had none before (a window
   * step's first item on a worker). Runs on the refresher thread, every {@link #REFRESH}.
   */
  private void registerWatermarks() {
    RunningDataflow r = run;
    if (r == null) {
      return;
    }
    try {
      List<LiveStats.Step> rows = stats().steps();
      Tags tags = runTags;
      for (int i = 0; i < rows.size(); i++) {
        LiveStats.Step row = rows.get(i);
        if (!row.hasWatermark()) {
          continue;
        }
        String id = row.stepId() + "/" + row.worker();
        synchronized (this) {
          if (run != r || !watermarkRows.add(id)) {
            continue;
          }
        }
        Tags t = tags.and("step", row.stepId(), "worker", String.valueOf(row.worker()));
        int at = i;
        meters.add(TimeGauge.builder("sluice.window.watermark.lag", this, TimeUnit.MILLISECONDS,
                m -> m.row(at).watermarkLagMillis())
            .description("the run's time minus the newest watermark of the step's keys on the worker, as of the last"
                + " time one of them ran")
            .tags(t).register(registry));
        meters.add(TimeGauge.builder("sluice.window.watermark", this, TimeUnit.MILLISECONDS,
                m -> m.row(at).watermarkMillis())
            .description("the newest watermark of the step's keys on the worker, since the Unix epoch")
            .tags(t).register(registry));
      }
    } catch (RuntimeException e) {
      LOG.debug("looking for window watermarks failed", e);
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception e) {
      LOG.debug("closing a client's metrics failed", e);
    }
  }

  private static boolean present(String className) {
    try {
      Class.forName(className, false, SluiceMetrics.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  private LiveStats.Step row(int i) {
    List<LiveStats.Step> rows = stats().steps();
    return rows.get(i);
  }

  /** The run's live statistics, read at most every 100 ms. */
  private synchronized LiveStats stats() {
    long now = System.nanoTime();
    if (cached == null || now - cachedAt > STATS_MAX_AGE_NANOS
        || cached.state() == LiveStats.State.RUNNING && run != null && run.isDone()) {
      cached = run.liveStats();
      cachedAt = now;
    }
    return cached;
  }

  private void handleMetrics(HttpExchange ex) throws IOException {
    try (ex) {
      if (!"GET".equals(ex.getRequestMethod())) {
        respond(ex, 405, "text/plain; charset=utf-8", "GET only\n");
        return;
      }
      respond(ex, 200, "text/plain; version=0.0.4; charset=utf-8", prometheus.scrape());
    } catch (RuntimeException e) {
      LOG.warn("answering /metrics failed", e);
    }
  }

  private void handleHealth(HttpExchange ex) throws IOException {
    try (ex) {
      Health h = health();
      String body = "{\"status\": \"" + h.status() + "\", \"detail\": \"" + jsonEscape(h.detail()) + "\"}\n";
      respond(ex, h.healthy() ? 200 : 503, "application/json", body);
    } catch (RuntimeException e) {
      LOG.warn("answering /health failed", e);
    }
  }

  private static void respond(HttpExchange ex, int code, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static String jsonEscape(String s) {
    StringBuilder sb = new StringBuilder();
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else if (c < 0x20) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }
}
