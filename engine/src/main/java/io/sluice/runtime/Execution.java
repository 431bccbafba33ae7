package io.sluice.runtime;

import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.Step;
import io.sluice.inputs.FixedPartitionedSource;
import io.sluice.inputs.PartitionAssignment;
import io.sluice.outputs.FixedPartitionedSink;
import io.sluice.run.RunConfig;
import io.sluice.run.RunResult;
import io.sluice.run.RunTimeoutException;
import io.sluice.run.RunningDataflow;
import io.sluice.run.SlowActivation;
import io.sluice.run.StepFailedException;
import io.sluice.run.StepStats;
import io.sluice.transport.ClusterSpec;
import io.sluice.transport.Transport;
import io.sluice.transport.TransportFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.agrona.concurrent.OneToOneConcurrentArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of a dataflow in this process: the worker threads, the channels between them and the
 * run's fate. Every exchange step gets one bounded single-producer/single-consumer channel per
 * (sending worker, receiving worker) pair; items cross by reference. The first failure stops all
 * workers (they check between activations, and are interrupted in case user code sleeps).
 */
public final class Execution implements RunningDataflow {
  private static final Logger LOG = LoggerFactory.getLogger(Execution.class);
  /** How long stopping workers get to leave user code before the run reports them as stuck. */
  private static final Duration STOP_GRACE = Duration.ofSeconds(10);

  final Dataflow flow;
  final RunConfig config;
  final List<Step> steps;
  /** Workers in the whole cluster. */
  final int workerCount;
  /** Global index of this process's first worker. */
  final int firstWorker;
  final long startNanos;
  /** The epoch this run resumes after (0: a fresh start); workers open the next one. */
  final long resumeEpoch;
  /** With recovery: the run's time when the resume epoch opened (ms since 1970), else {@link Long#MIN_VALUE}. */
  final long resumeTimeMillis;
  /** The recovery store, or null without recovery. */
  final Recovery recovery;
  /** Without recovery: the last epoch each local worker closed, and the smallest of them. */
  private final long[] closedByWorker;
  private volatile long locallyClosed;
  /** [step][from][to]: queues into this process's workers, null for steps without exchange. */
  private final OneToOneConcurrentArrayQueue<Object>[][][] inboundQueues;
  /** [step][local sender][to]: where this process's workers send. */
  private final OutChannel[][][] outChannels;
  /** [step]: the step's partitions (sources and sinks with fixed partitions), else null. */
  private final List<String>[] partitions;
  /** [step]: partition -> owning worker. */
  private final Map<String, Integer>[] assignments;
  private final Worker[] workers;
  private final Thread[] threads;
  private final Transport transport;
  private final java.util.concurrent.atomic.AtomicInteger running;
  /**
   * Opens when every worker has exited (and, in a cluster, this process has left it) or the run
   * failed: what await waits for.
   */
  private final CountDownLatch settled = new CountDownLatch(1);
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private final Queue<SlowActivation> slow = new ConcurrentLinkedQueue<>();
  private volatile boolean stopping;
  /** Set when the run was asked to stop early: sources end as at end of stream (see {@link #stop}). */
  private volatile String stopReason;
  private volatile long endNanos;

  @SuppressWarnings("unchecked")
  private Execution(Dataflow flow, RunConfig config) {
    this.flow = flow;
    this.config = config;
    this.steps = List.copyOf(flow.steps());
    this.workerCount = config.workerCount();
    int local = config.workersPerProcess();
    this.firstWorker = config.processId() * local;
    int n = workerCount;
    this.inboundQueues = new OneToOneConcurrentArrayQueue[steps.size()][][];
    this.outChannels = new OutChannel[steps.size()][][];
    this.partitions = new List[steps.size()];
    this.assignments = new Map[steps.size()];
    this.recovery = config.recovery() == null ? null : Recovery.open(this, config.recovery(), flow, config);
    this.resumeEpoch = recovery == null ? 0 : recovery.resumeEpoch;
    this.resumeTimeMillis = recovery == null ? Long.MIN_VALUE : recovery.resumeTimeMillis;
    this.closedByWorker = new long[local];
    java.util.Arrays.fill(closedByWorker, resumeEpoch);
    this.locallyClosed = resumeEpoch;
    Transport transport;
    try {
      transport = config.processes() > 1 ? createTransport(config) : null;
    } catch (RuntimeException e) {
      if (recovery != null) {
        recovery.close();
      }
      throw e;
    }
    this.transport = transport;
    for (int s = 0; s < steps.size(); s++) {
      Step step = steps.get(s);
      if (step.exchanges()) {
        inboundQueues[s] = new OneToOneConcurrentArrayQueue[n][n];
        outChannels[s] = new OutChannel[local][n];
        for (int from = 0; from < n; from++) {
          for (int to = 0; to < n; to++) {
            if (isLocal(to)) {
              inboundQueues[s][from][to] = config.channelItems() > 0
                  ? new ItemBoundedQueue(config.channelCapacity(), config.channelItems())
                  : new OneToOneConcurrentArrayQueue<>(config.channelCapacity());
            }
          }
        }
        for (int l = 0; l < local; l++) {
          int from = firstWorker + l;
          for (int to = 0; to < n; to++) {
            outChannels[s][l][to] = isLocal(to) ? OutChannel.local(inboundQueues[s][from][to])
                : OutChannel.remote(transport, s, from, to);
          }
        }
      }
      List<String> parts = null;
      if (step instanceof Step.Input in && in.source() instanceof FixedPartitionedSource<?, ?> src) {
        parts = listPartitions(step.id(), src::listPartitions);
      } else if (step instanceof Step.Output out && out.sink() instanceof FixedPartitionedSink<?, ?> sink) {
        parts = listPartitions(step.id(), sink::listPartitions);
        if (parts.isEmpty()) {
          throw StepFailedException.during(step.id(), -1, "listing partitions",
              new IllegalStateException("a fixed-partitioned sink needs at least one partition"));
        }
      }
      partitions[s] = parts;
    }
    this.workers = new Worker[local];
    this.threads = new Thread[local];
    this.running = new java.util.concurrent.atomic.AtomicInteger(local);
    this.startNanos = System.nanoTime();
    for (int l = 0; l < local; l++) {
      workers[l] = new Worker(this, firstWorker + l);
      threads[l] = new Thread(workers[l], "sluice-" + flow.name() + "-worker-" + (firstWorker + l));
      threads[l].setDaemon(true);
    }
  }

  /** Builds the run, connects to the cluster's other processes if any, and starts the worker threads. */
  public static Execution start(Dataflow flow, RunConfig config) {
    Execution e = new Execution(flow, config);
    List<Map<Integer, List<String>>> listed = new ArrayList<>();
    if (e.transport != null) {
      try {
        e.transport.start(e.clusterSpec(), e.new InboundChannels());
        for (int p = 0; p < config.processes(); p++) {
          listed.add(e.transport.partitionsOf(p));
        }
        e.assignPartitions(listed);
      } catch (RuntimeException ex) {
        e.transport.abort(ex); // the peers stop too, at once, instead of waiting for this process
        e.transport.close();
        throw ex;
      }
    } else {
      listed.add(e.localPartitions());
      e.assignPartitions(listed);
    }
    if (e.recovery != null) {
      e.recovery.start();
    }
    for (Thread t : e.threads) {
      t.start();
    }
    return e;
  }

  /** What this process listed, by step index, for steps with fixed partitions. */
  private Map<Integer, List<String>> localPartitions() {
    Map<Integer, List<String>> mine = new HashMap<>();
    for (int s = 0; s < steps.size(); s++) {
      if (partitions[s] != null) {
        mine.put(s, partitions[s]);
      }
    }
    return mine;
  }

  /**
   * Assigns every step's partitions to primary workers from what each process listed. A source's
   * partition can be read only by the workers of the processes that listed it (its candidates;
   * e.g. a file on one host's disk), and fewest candidates go first ({@link PartitionAssignment}).
   * A fixed-partitioned sink routes items by the index of a partition in its list, so every
   * process must list the same partitions in the same order.
   */
  private void assignPartitions(List<Map<Integer, List<String>>> listedByProcess) {
    int perProcess = config.workersPerProcess();
    for (int s = 0; s < steps.size(); s++) {
      if (partitions[s] == null) {
        continue;
      }
      Step step = steps.get(s);
      if (step instanceof Step.Output) {
        for (int p = 0; p < listedByProcess.size(); p++) {
          List<String> theirs = listedByProcess.get(p).get(s);
          if (!partitions[s].equals(theirs)) {
            throw StepFailedException.during(step.id(), -1, "listing partitions", new IllegalStateException(
                "process " + p + " lists " + theirs + " but process " + config.processId() + " lists " + partitions[s]
                    + ": a fixed-partitioned sink needs the same partitions, in the same order, in every process"));
          }
        }
        assignments[s] = PartitionAssignment.assign(partitions[s], workerCount);
        continue;
      }
      Map<String, SortedSet<Integer>> candidates = new TreeMap<>();
      for (int p = 0; p < listedByProcess.size(); p++) {
        for (String part : listedByProcess.get(p).getOrDefault(s, List.of())) {
          SortedSet<Integer> workers = candidates.computeIfAbsent(part, k -> new TreeSet<>());
          for (int l = 0; l < perProcess; l++) {
            workers.add(p * perProcess + l);
          }
        }
      }
      assignments[s] = PartitionAssignment.assign(candidates);
    }
  }

  private boolean isLocal(int worker) {
    return worker >= firstWorker && worker < firstWorker + config.workersPerProcess();
  }

  private static Transport createTransport(RunConfig config) {
    if (config.transport() != null) {
      return config.transport().create();
    }
    for (TransportFactory f : ServiceLoader.load(TransportFactory.class)) {
      return f.create();
    }
    throw new IllegalStateException("a run over " + config.processes() + " processes needs a transport:"
        + " put sluice-aeron-transport on the classpath");
  }

  private ClusterSpec clusterSpec() {
    List<Integer> exchanging = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    StringBuilder signature = new StringBuilder(flow.name()).append('|').append(config.workersPerProcess());
    for (int s = 0; s < steps.size(); s++) {
      signature.append('|').append(steps.get(s).id());
      ids.add(steps.get(s).id());
      if (steps.get(s).exchanges()) {
        exchanging.add(s);
      }
    }
    // peers must register the same types; serdes register them by name, so the order is free
    signature.append("|types=").append(String.join(",", new java.util.TreeSet<>(flow.registeredTypeNames())));
    return new ClusterSpec(config.processId(), config.addresses(), config.workersPerProcess(), ids, exchanging,
        signature.toString(), config.serde(), flow.registeredTypeNames(), localPartitions(), config.idle());
  }

  /** The runtime side of the transport: remote messages land in the same queues local ones do. */
  private final class InboundChannels implements Transport.Inbound {
    @Override
    public boolean hasRoom(int step, int from, int to) {
      return inboundQueues[step][from][to].remainingCapacity() > 0;
    }

    @Override
    public void deliverBatch(int step, int from, int to, long epoch, List<Object> items) {
      if (!inboundQueues[step][from][to].offer(new Messages.Batch(epoch, items))) {
        throw new IllegalStateException("channel " + step + "/" + from + "/" + to + " was full after hasRoom");
      }
    }

    @Override
    public void deliverEnd(int step, int from, int to) {
      if (!inboundQueues[step][from][to].offer(Messages.EOF)) {
        throw new IllegalStateException("channel " + step + "/" + from + "/" + to + " was full after hasRoom");
      }
    }

    @Override
    public void deliverProgress(int step, int from, int to, long epoch, long timeMillis) {
      if (!inboundQueues[step][from][to].offer(new Messages.Progress(epoch, timeMillis))) {
        throw new IllegalStateException("channel " + step + "/" + from + "/" + to + " was full after hasRoom");
      }
    }

    @Override
    public void peerFailed(Throwable error) {
      fail(error);
    }

    @Override
    public void stopRequested(String reason) {
      drain(reason);
    }
  }

  private static List<String> listPartitions(String stepId, java.util.function.Supplier<List<String>> lister) {
    try {
      List<String> parts = lister.get();
      if (parts == null) {
        throw new IllegalStateException("listPartitions returned null");
      }
      return List.copyOf(parts);
    } catch (RuntimeException | Error e) {
      throw StepFailedException.during(stepId, -1, "listing partitions", e);
    }
  }

  // ------------------------------------------------------------------ wiring, for workers

  Queue<Object>[] inbound(int step, int to) {
    @SuppressWarnings("unchecked")
    Queue<Object>[] in = new Queue[workerCount];
    for (int from = 0; from < workerCount; from++) {
      in[from] = inboundQueues[step][from][to];
    }
    return in;
  }

  OutChannel[] outbound(int step, int from) {
    return outChannels[step][from - firstWorker];
  }

  List<String> partitions(int step) {
    return partitions[step];
  }

  Map<String, Integer> assignment(int step) {
    return assignments[step];
  }

  /** The partitions of {@code step} that {@code worker} owns, in name order. */
  List<String> partitionsOf(int step, int worker) {
    List<String> mine = new ArrayList<>();
    assignments[step].forEach((p, w) -> {
      if (w == worker) {
        mine.add(p);
      }
    });
    return mine;
  }

  // ------------------------------------------------------------------ epochs

  /** Without recovery: local worker {@code worker} closed {@code epoch}. */
  synchronized void epochClosed(int worker, long epoch) {
    closedByWorker[worker - firstWorker] = epoch;
    long min = Long.MAX_VALUE;
    for (long e : closedByWorker) {
      min = Math.min(min, e);
    }
    locallyClosed = min;
  }

  /**
   * The newest epoch complete in the whole cluster: every worker closed it (and, with recovery,
   * wrote it); a finished worker has closed every epoch. Without recovery only a single process
   * knows this; a cluster reports none.
   */
  @Override
  public long completedEpoch() {
    if (recovery != null) {
      return recovery.completed();
    }
    return config.processes() == 1 ? locallyClosed : resumeEpoch;
  }

  @Override
  public java.util.concurrent.CompletableFuture<java.util.Optional<Object>> keyState(String stepId, Object key) {
    int s = 0;
    while (s < steps.size() && !(steps.get(s).id().equals(stepId) && steps.get(s) instanceof Step.StatefulBatch)) {
      s++;
    }
    if (s == steps.size()) {
      List<String> stateful = new ArrayList<>();
      for (Step step : steps) {
        if (step instanceof Step.StatefulBatch) {
          stateful.add(step.id());
        }
      }
      throw new IllegalArgumentException("dataflow '" + flow.name() + "' has no stateful step '" + stepId
          + "'; its stateful steps are " + stateful);
    }
    int owner = io.sluice.inputs.Routing.workerFor(key, workerCount);
    if (!isLocal(owner)) {
      throw new IllegalStateException("key " + StepFailedException.describe(key) + " of step '" + stepId
          + "' is owned by worker " + owner + " in another process; state reads serve this process's keys only");
    }
    java.util.concurrent.CompletableFuture<java.util.Optional<Object>> result = new java.util.concurrent.CompletableFuture<>();
    workers[owner - firstWorker].ask(new Worker.StateQuery(stepId, key, result));
    return result;
  }

  // ------------------------------------------------------------------ the run's fate

  boolean isStopping() {
    return stopping;
  }

  void fail(Throwable t) {
    if (failure.compareAndSet(null, t)) {
      if (!(t instanceof CancellationException)) {
        LogContext.withStep(t instanceof StepFailedException f ? f.stepId() : null,
            () -> LOG.error("dataflow '{}' failed; stopping all workers", flow.name(), t));
      }
      stopping = true;
      if (transport != null) {
        try {
          transport.abort(t);
        } catch (RuntimeException e) {
          LOG.warn("could not tell the other processes that this one failed", e);
        }
      }
      for (int l = 0; l < threads.length; l++) {
        if (threads[l] != Thread.currentThread()) {
          workers[l].interruptIfRunning(threads[l]);
        }
      }
      settled.countDown();
    } else {
      stopping = true;
    }
  }

  boolean hasTransport() {
    return transport != null;
  }

  /** The transport's work a worker runs on each pass of its loop ({@link Transport#doWork}); 0 in one process. */
  int transportWork() {
    return transport == null ? 0 : transport.doWork();
  }

  void workerExited(Worker w) {
    if (running.decrementAndGet() == 0) {
      try {
        if (transport != null) {
          w.stopBeingInterruptible();
          leaveCluster();
        }
      } finally {
        if (recovery != null) {
          recovery.close();
        }
        endNanos = System.nanoTime();
        settled.countDown();
      }
    }
  }

  /** After the last local worker: tell the peers how this process ended, wait for theirs, disconnect. */
  private void leaveCluster() {
    try {
      Throwable t = failure.get();
      if (t == null) {
        transport.finish();
      } else {
        transport.abort(t);
      }
    } catch (RuntimeException e) {
      fail(e);
    } finally {
      transport.close();
    }
  }

  void closeFailed(Worker w, RuntimeException e) {
    if (failure.get() == null) {
      fail(e);
    } else {
      LOG.warn("worker {}: closing a partition failed while stopping", w.index, e);
    }
  }

  void slowActivation(String stepId, int worker, long nanos) {
    SlowActivation s = new SlowActivation(stepId, worker, Duration.ofNanos(nanos));
    slow.add(s);
    LogContext.withStep(stepId, () -> LOG.warn("{} (threshold {} ms): step code must not block its worker", s,
        config.slowActivationThreshold().toMillis()));
  }

  // ------------------------------------------------------------------ RunningDataflow

  @Override
  public RunResult await() {
    try {
      settled.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      cancel();
      throw new CancellationException("interrupted while waiting for dataflow '" + flow.name() + "'");
    }
    return outcome();
  }

  @Override
  public RunResult await(Duration timeout) {
    boolean finished;
    try {
      finished = settled.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      cancel();
      throw new CancellationException("interrupted while waiting for dataflow '" + flow.name() + "'");
    }
    if (!finished) {
      String dump = dumpState();
      fail(new CancellationException("timed out after " + timeout));
      String stuck = awaitExit();
      throw new RunTimeoutException("dataflow '" + flow.name() + "' did not finish within " + timeout
          + " on " + workerCount + (workerCount == 1 ? " worker" : " workers") + "; it was stopped" + stuck + ". Worker state at the timeout:", dump);
    }
    return outcome();
  }

  private RunResult outcome() {
    Throwable t = failure.get();
    if (t == null) {
      return result();
    }
    String stuck = awaitExit();
    if (t instanceof StepFailedException s) {
      if (!stuck.isEmpty()) {
        s.addSuppressed(new IllegalStateException("after the failure" + stuck));
      }
      throw s;
    }
    if (t instanceof CancellationException c) {
      throw c;
    }
    throw new IllegalStateException("dataflow '" + flow.name() + "' failed" + stuck + ": " + t, t);
  }

  /** Waits a bounded time for every worker thread to end; describes any that did not. */
  private String awaitExit() {
    long deadline = System.nanoTime() + STOP_GRACE.toNanos();
    List<String> alive = new ArrayList<>();
    for (Thread th : threads) {
      try {
        th.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (th.isAlive()) {
        alive.add(th.getName() + stuckAt(th));
      }
    }
    return alive.isEmpty() ? "" : " (threads still inside user code after " + STOP_GRACE.toSeconds() + " s: " + alive + ")";
  }

  /** Where a thread that did not stop is: its first frame outside the JDK (the user code it is stuck in). */
  private static String stuckAt(Thread th) {
    for (StackTraceElement e : th.getStackTrace()) {
      String c = e.getClassName();
      if (!c.startsWith("java.") && !c.startsWith("jdk.") && !c.startsWith("sun.")) {
        return " at " + e;
      }
    }
    return "";
  }

  private RunResult result() {
    for (Thread th : threads) {
      try {
        th.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CancellationException("interrupted while collecting results");
      }
    }
    Map<String, StepStats> stats = new LinkedHashMap<>();
    for (int s = 0; s < steps.size(); s++) {
      long[] in = new long[workerCount];
      long[] out = new long[workerCount];
      long[] max = new long[workerCount];
      List<Map<Object, Long>> keys = new ArrayList<>(Collections.nCopies(workerCount, null));
      for (Worker worker : workers) {
        StepMetrics m = worker.metrics[s];
        int w = worker.index;
        in[w] = m.itemsIn;
        out[w] = m.itemsOut;
        max[w] = m.maxActivationNanos;
        keys.set(w, m.keyItemsByKey());
      }
      stats.put(steps.get(s).id(), new StepStats(steps.get(s).id(), in, out, keys, max));
    }
    return new RunResult(flow.name(), workerCount, Duration.ofNanos(endNanos - startNanos), stats, new ArrayList<>(slow));
  }

  @Override
  public String dumpState() {
    StringBuilder sb = new StringBuilder();
    for (Worker w : workers) {
      sb.append(w.dump());
    }
    return sb.toString();
  }

  @Override
  public void stop(String reason) {
    if (drain("process " + config.processId() + " was stopped: " + reason) && transport != null) {
      try {
        transport.requestStop("process " + config.processId() + " was stopped: " + reason);
      } catch (RuntimeException e) {
        LOG.warn("could not tell the other processes that this one stops", e);
      }
    }
  }

  /** Sources end at their next poll, as at end of stream; true if this call started the stop. */
  private synchronized boolean drain(String reason) {
    if (stopReason != null || failure.get() != null) {
      return false;
    }
    stopReason = reason;
    LOG.info("dataflow '{}': {}; sources end now, in-flight items drain to the sinks", flow.name(), reason);
    return true;
  }

  /** Whether the run was asked to stop early. */
  boolean isDraining() {
    return stopReason != null;
  }

  @Override
  public String stopReason() {
    return stopReason;
  }

  @Override
  public void cancel() {
    fail(new CancellationException("dataflow '" + flow.name() + "' was cancelled"));
  }

  @Override
  public io.sluice.run.LiveStats liveStats() {
    return LiveStatsReader.read(this, workers, inboundQueues, failure.get(), settled.getCount() == 0, endNanos);
  }

  @Override
  public boolean isDone() {
    return running.get() == 0 && settled.getCount() == 0;
  }
}
