package io.sluice.runtime;

import io.sluice.dataflow.BatchMapper;
import io.sluice.dataflow.Inspector;
import io.sluice.dataflow.StatefulLogicBuilder;
import io.sluice.dataflow.Step;
import io.sluice.dataflow.Stream;
import io.sluice.inputs.DynamicSource;
import io.sluice.inputs.FixedPartitionedSource;
import io.sluice.inputs.StatelessSourcePartition;
import io.sluice.outputs.DynamicSink;
import io.sluice.outputs.FixedPartitionedSink;
import io.sluice.outputs.SinkPartition;
import io.sluice.outputs.StatelessSinkPartition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.agrona.concurrent.IdleStrategy;

/**
 * One worker thread: an instance of every step of the dataflow. It loops over its tasklets
 * (source partitions and exchange receivers), flushing waiting exchange output first, and backs off
 * with its idle strategy when a pass did no work. It ends when every tasklet is done and nothing
 * waits to be sent, or when the run stops.
 */
final class Worker implements Runnable {
  final Execution execution;
  final int index;
  final long slowThresholdNanos;
  private final List<Tasklet> tasklets = new ArrayList<>();
  private final List<ExchangeSender> senders = new ArrayList<>();
  private final List<Runnable> closers = new ArrayList<>();
  final StepMetrics[] metrics;
  /** The epoch this worker's inputs are in; it moves on once every tasklet closed it. */
  long openEpoch;
  final boolean virtualTime;
  final java.time.InstantSource clock;
  /** Epoch length in ms of the run's clock (or of virtual time); 0 closes an epoch after every source batch. */
  final long epochIntervalMillis;
  /** Where every tasklet's time starts (ms): the virtual origin, or the clock when the worker was made. */
  final long startTimeMillis;
  /** Whether epochs are snapshotted to a recovery store. */
  final boolean snapshotting;
  /** Whether this process learns when an epoch is complete in the whole cluster (recovery, or one process). */
  final boolean completionKnown;
  /** The run's test hook, or null. */
  final io.sluice.run.RunHook hook;
  /** Under virtual time: the time of the tasklet running now, which {@link io.sluice.time.RunClock} reads. */
  private long currentTimeMillis;
  private long completedNotified;
  private final List<SourceTasklet> sourceTasklets = new ArrayList<>();
  /** Stateful receivers and fixed-partitioned sink receivers, with their step ids, for snapshots. */
  private final List<StatefulReceiver> statefuls = new ArrayList<>();
  private final List<PartitionedSinkReceiver> sinkReceivers = new ArrayList<>();
  volatile String phase = "starting";
  /** Reads of one key's state asked from other threads (interactive tests), answered between activations. */
  private final java.util.concurrent.ConcurrentLinkedQueue<StateQuery> queries =
      new java.util.concurrent.ConcurrentLinkedQueue<>();
  /** Set once the worker's loop is over: later queries are refused instead of left waiting. */
  private volatile boolean exited;
  /** Whether the run may interrupt this worker's thread (to get it out of user code); guarded by this. */
  private boolean interruptible = true;

  Worker(Execution execution, int index) {
    this.execution = execution;
    this.index = index;
    this.slowThresholdNanos = execution.config.slowActivationThreshold().toNanos();
    this.metrics = new StepMetrics[execution.steps.size()];
    this.openEpoch = execution.resumeEpoch + 1;
    this.completedNotified = execution.resumeEpoch;
    this.virtualTime = execution.config.virtualTime();
    this.clock = execution.config.clock();
    this.epochIntervalMillis = execution.config.epochInterval().toMillis();
    // virtual time goes on from where the resumed epoch closed: timers in the snapshots fire where they would have
    this.startTimeMillis = virtualTime
        ? Math.max(execution.config.virtualTimeOrigin().toEpochMilli(), execution.resumeTimeMillis) : clock.millis();
    this.currentTimeMillis = startTimeMillis;
    this.epochOpenedAtMillis = startTimeMillis;
    this.snapshotting = execution.recovery != null;
    this.completionKnown = snapshotting || execution.config.processes() == 1;
    this.hook = execution.config.hook();
  }

  @Override
  public void run() {
    LogContext.forWorker(execution.flow.name(), execution.config.processId(), index);
    try {
      // the run's time is bound while steps are built too: logics rebuilt from snapshots may read it
      io.sluice.time.RunClock.bind(virtualTime ? () -> java.time.Instant.ofEpochMilli(currentTimeMillis) : clock);
      phase = "building steps";
      build();
      phase = "running";
      loop();
      phase = execution.isStopping() ? "stopped" : "finished";
    } catch (Throwable t) {
      phase = "failed: " + t;
      execution.fail(t);
    } finally {
      exited = true;
      refuseQueries();
      closeAll();
      io.sluice.time.RunClock.bind(null);
      execution.workerExited(this);
    }
  }

  private void loop() {
    IdleStrategy idle = IdleStrategies.of(execution.config.idle().workers());
    try {
      while (!execution.isStopping()) {
        int work = 0;
        for (int i = 0, n = senders.size(); i < n; i++) {
          work += senders.get(i).flush();
        }
        work += transportWork();
        boolean allDone = true;
        for (int i = 0, n = tasklets.size(); i < n; i++) {
          Tasklet t = tasklets.get(i);
          if (!t.isDone()) {
            currentTimeMillis = t.timeMillis();
            work += t.doWork();
            allDone &= t.isDone();
          }
        }
        work += closeEpochIfDone();
        notifyCompleted();
        if (!queries.isEmpty()) {
          work += answerQueries();
        }
        if (allDone && !anyPending(senders)) {
          finishEpochs();
          return;
        }
        idle.idle(work);
      }
    } finally {
      io.sluice.time.RunClock.bind(null);
    }
  }

  /** Now, in ms, for a tasklet whose (virtual) time is {@code taskletTime}. */
  long nowMillis(long taskletTime) {
    return virtualTime ? taskletTime : clock.millis();
  }

  /**
   * Closes the open epoch once every tasklet closed it (an ended tasklet has closed every epoch
   * after its last): with recovery hands the epoch's snapshots to the store, then opens the next.
   */
  private int closeEpochIfDone() {
    long epoch = openEpoch;
    boolean anyClosed = false;
    for (int i = 0, n = tasklets.size(); i < n; i++) {
      Tasklet t = tasklets.get(i);
      if (t.closedEpoch() >= epoch) {
        anyClosed = true;
      } else if (!t.isDone()) {
        return 0;
      }
    }
    if (!anyClosed) {
      return 0; // every input had ended before this epoch: there is nothing to close
    }
    if (snapshotting) {
      if (!execution.recovery.hasRoom(index)) {
        return 0; // the store is behind: wait rather than queue epochs without bound
      }
      execution.recovery.submit(index, epoch, snapshotRows(epoch), epochOpenedAtMillis, sourcesDone());
    } else {
      execution.epochClosed(index, epoch);
    }
    openEpoch = epoch + 1;
    epochOpenedAtMillis = epochTimeMillis();
    for (int i = 0, n = tasklets.size(); i < n; i++) {
      tasklets.get(i).epochOpened(openEpoch);
    }
    if (hook != null) {
      hook.afterEpoch(index, epoch);
    }
    return 1;
  }

  /**
   * The run's time when the open epoch opened (ms since 1970), recorded with its snapshot: a run
   * resuming from the epoch goes on from there on virtual time, so a source that advances time
   * after the epoch's last item advances it again from the same point.
   */
  private long epochOpenedAtMillis;

  /** Whether this worker reads sources and all of them ended (its stateful steps' onEof is still to come). */
  private boolean sourcesDone() {
    if (sourceTasklets.isEmpty()) {
      return false;
    }
    for (int i = 0, n = sourceTasklets.size(); i < n; i++) {
      if (!sourceTasklets.get(i).isDone()) {
        return false;
      }
    }
    return true;
  }

  /** The run's time now on this worker: under virtual time, the latest time any of its tasklets reached. */
  private long epochTimeMillis() {
    if (!virtualTime) {
      return clock.millis();
    }
    long t = startTimeMillis;
    for (int i = 0, n = tasklets.size(); i < n; i++) {
      t = Math.max(t, tasklets.get(i).timeMillis());
    }
    return t;
  }

  /** What this worker writes for {@code epoch}: changed keys, source and sink partition states. */
  private Recovery.Snapshots snapshotRows(long epoch) {
    Recovery.EpochBuilder b = execution.recovery.epoch(index);
    for (StatefulReceiver s : statefuls) {
      s.takeChanges((key, state) -> b.add(s.stepId, key, state == StatefulReceiver.DISCARDED ? null : state));
    }
    for (SourceTasklet t : sourceTasklets) {
      Object[] snap = t.takeSnapshot(epoch);
      if (snap != null) {
        b.addSource(t.node.stepId, t.partitionName, snap[1], (long) snap[2]);
      }
    }
    for (PartitionedSinkReceiver p : sinkReceivers) {
      Map<String, Object> snaps = p.takeSnapshots(epoch);
      if (snaps != null) {
        for (Map.Entry<String, Object> e : snaps.entrySet()) {
          b.add(p.stepId, e.getKey(), e.getValue());
        }
      }
    }
    return b.finish();
  }

  /** Tells the source partitions about epochs that completed in the whole cluster since the last call. */
  private void notifyCompleted() {
    long done = execution.completedEpoch();
    if (done > completedNotified) {
      completedNotified = done;
      for (int i = 0, n = sourceTasklets.size(); i < n; i++) {
        sourceTasklets.get(i).completed(done);
      }
    }
  }

  /**
   * After the last epoch: waits (bounded) until the store holds this worker's epochs, so the run
   * ends with its final snapshot written, then reports what completed.
   */
  private void finishEpochs() {
    long last = openEpoch - 1;
    if (snapshotting) {
      execution.recovery.ended(index, last, epochTimeMillis());
      execution.recovery.awaitWritten(index, Long.MAX_VALUE);
    } else {
      execution.epochClosed(index, Long.MAX_VALUE); // nothing more to close here: count as closing every epoch
    }
    if (completionKnown && !sourceTasklets.isEmpty()) {
      // the source partitions' last states complete once the other workers (and processes) close their
      // last epochs too: wait for that (bounded) so that, e.g., a Kafka group's final offset is committed
      long deadline = System.nanoTime() + COMPLETION_WAIT.toNanos();
      while (execution.completedEpoch() < last && !execution.isStopping() && System.nanoTime() < deadline) {
        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
      }
    }
    notifyCompleted();
  }

  /** How long a finished worker waits for its last epoch to complete elsewhere before it stops waiting. */
  private static final java.time.Duration COMPLETION_WAIT = java.time.Duration.ofSeconds(30);

  /** A read of {@code key}'s state in stateful step {@code stepId}, asked by another thread. */
  record StateQuery(String stepId, Object key, java.util.concurrent.CompletableFuture<java.util.Optional<Object>> result) {}

  /** Queues {@code q} for this worker's thread, which answers it between two activations. */
  void ask(StateQuery q) {
    queries.add(q);
    if (exited) {
      refuseQueries(); // the loop may have ended before the query was queued
    }
  }

  private int answerQueries() {
    int n = 0;
    for (StateQuery q = queries.poll(); q != null; q = queries.poll(), n++) {
      try {
        StatefulReceiver receiver = null;
        for (Tasklet t : tasklets) {
          if (t instanceof StatefulReceiver sr && sr.stepId.equals(q.stepId())) {
            receiver = sr;
          }
        }
        if (receiver == null) {
          throw new IllegalArgumentException("worker " + index + " has no stateful step '" + q.stepId() + "'");
        }
        q.result().complete(java.util.Optional.ofNullable(receiver.stateOf(q.key())));
      } catch (RuntimeException | Error e) {
        q.result().completeExceptionally(e);
      }
    }
    return n;
  }

  private void refuseQueries() {
    for (StateQuery q = queries.poll(); q != null; q = queries.poll()) {
      q.result().completeExceptionally(new IllegalStateException("worker " + index + " is no longer running ("
          + phase + "): it cannot read the state of key " + io.sluice.run.StepFailedException.describe(q.key())
          + " in step '" + q.stepId() + "'"));
    }
  }

  static boolean anyPending(ExchangeSender[] senders) {
    for (ExchangeSender s : senders) {
      if (s.hasPending()) {
        return true;
      }
    }
    return false;
  }

  private static boolean anyPending(List<ExchangeSender> senders) {
    for (int i = 0, n = senders.size(); i < n; i++) {
      if (senders.get(i).hasPending()) {
        return true;
      }
    }
    return false;
  }

  /**
   * The transport's own work when it runs on the workers ({@link io.sluice.transport.Transport#doWork}).
   * Holding this worker's lock, so {@link #interruptIfRunning} cannot interrupt it there, and skipped
   * while an interrupt is pending: an interrupt inside a socket call would close the media driver's
   * socket (NIO closes an interrupted channel), and an in-JVM cluster's driver is shared.
   */
  private int transportWork() {
    if (!execution.hasTransport()) {
      return 0;
    }
    synchronized (this) {
      return Thread.currentThread().isInterrupted() ? 0 : execution.transportWork();
    }
  }

  /** Interrupts {@code thread} (this worker's) unless the worker has already finished with user code. */
  synchronized void interruptIfRunning(Thread thread) {
    if (interruptible) {
      thread.interrupt();
    }
  }

  /**
   * From now on nothing interrupts this worker's thread, and any earlier interrupt is cleared: it
   * is about to wait for the cluster and close the transport, which an interrupt would cut short.
   */
  void stopBeingInterruptible() {
    synchronized (this) {
      interruptible = false;
    }
    Thread.interrupted();
  }

  void closeOnExit(Runnable closer) {
    closers.add(closer);
  }

  private void closeAll() {
    for (Runnable c : closers) {
      try {
        c.run();
      } catch (RuntimeException e) {
        execution.closeFailed(this, e);
      }
    }
    closers.clear();
  }

  // ------------------------------------------------------------------ building the step instances

  @SuppressWarnings({"unchecked", "rawtypes"})
  private void build() {
    List<Step> steps = execution.steps;
    Node[] producers = new Node[steps.size()];
    Node[] inlets = new Node[steps.size()];
    List<InputNode> inputs = new ArrayList<>();
    List<SourceTasklet> sources = new ArrayList<>();
    List<ExchangeReceiver> receivers = new ArrayList<>();
    // by identity (each Step is one object): a Step record's hashCode would bootstrap the records'
    // method-handle machinery, ~25 ms in a JVM's first run (docs/PERFORMANCE.md, "Cold start")
    Map<Step, Integer> indexOf = new java.util.IdentityHashMap<>();
    int workerCount = execution.workerCount;

    for (int s = 0; s < steps.size(); s++) {
      Step step = steps.get(s);
      indexOf.put(step, s);
      String id = step.id();
      StepMetrics m = metrics[s] = new StepMetrics(execution.config.recordKeys() && step instanceof Step.StatefulBatch);
      Node node;
      ExchangeReceiver receiver = null;
      if (step instanceof Step.Input in) {
        if (in.source() instanceof FixedPartitionedSource<?, ?> fixed) {
          List<String> mine = execution.partitionsOf(s, index);
          InputNode input = new InputNode(id, this, m, mine.size());
          for (int i = 0; i < mine.size(); i++) {
            String p = mine.get(i);
            Object resume = execution.recovery == null ? null : execution.recovery.partitionState(id, p);
            StatelessSourcePartition<Object> part = call(id, "opening partition '" + p + "'",
                () -> (StatelessSourcePartition<Object>) ((FixedPartitionedSource) fixed).buildPartition(id, p, resume));
            long resumeMillis = execution.recovery == null ? Long.MIN_VALUE : execution.recovery.partitionTime(id, p);
            sources.add(new SourceTasklet(input, i, p, part, resumeMillis));
          }
          node = input;
        } else {
          DynamicSource<?> dyn = (DynamicSource<?>) in.source();
          InputNode input = new InputNode(id, this, m, 1);
          StatelessSourcePartition<Object> part = call(id, "opening its source partition",
              () -> (StatelessSourcePartition<Object>) dyn.build(id, index, workerCount));
          sources.add(new SourceTasklet(input, 0, "worker-" + index, part, Long.MIN_VALUE));
          node = input;
        }
        inputs.add((InputNode) node);
      } else if (step instanceof Step.FlatMapBatch f) {
        BatchMapper<Object, Object> mapper = call(id, "building its per-worker mapper",
            () -> (BatchMapper<Object, Object>) ((Supplier) f.mapperPerWorker()).get());
        node = new StatelessNodes.FlatMapBatchNode(id, this, m, mapper, f.freshOutput());
      } else if (step instanceof Step.Branch b) {
        node = new StatelessNodes.BranchNode(id, this, m, (Predicate<Object>) b.predicate());
      } else if (step instanceof Step.Merge mg) {
        node = new StatelessNodes.MergeNode(id, this, m, mg.inputs().size());
      } else if (step instanceof Step.Inspect ins) {
        node = new StatelessNodes.InspectNode(id, this, m, (Inspector<Object>) ins.inspector());
      } else if (step instanceof Step.Redistribute) {
        receiver = new RedistributeReceiver(id, this, m, execution.inbound(s, index));
        node = new ExchangeSender(id, this, m, execution.outbound(s, index), Router.roundRobin(index, workerCount),
            execution.config.serdeCheck());
      } else if (step instanceof Step.StatefulBatch sb) {
        StatefulReceiver sr = new StatefulReceiver(id, this, m, execution.inbound(s, index),
            (StatefulLogicBuilder<Object, Object, Object, Object>) sb.builder());
        if (execution.recovery != null) {
          sr.resume(execution.recovery.keyStates(id, index));
          statefuls.add(sr);
        }
        receiver = sr;
        node = new ExchangeSender(id, this, m, execution.outbound(s, index), Router.byKey(id, workerCount),
            execution.config.serdeCheck());
      } else if (step instanceof Step.Output out && out.sink() instanceof FixedPartitionedSink<?, ?> fixed) {
        List<String> all = execution.partitions(s);
        Map<Integer, SinkPartition<Object, ?>> owned = new HashMap<>();
        PartitionedSinkReceiver pr = new PartitionedSinkReceiver(id, this, m, execution.inbound(s, index),
            (FixedPartitionedSink<Object, ?>) fixed, owned, all);
        receiver = pr;
        if (execution.recovery != null) {
          sinkReceivers.add(pr);
        }
        for (String p : execution.partitionsOf(s, index)) {
          Object resume = execution.recovery == null ? null : execution.recovery.partitionState(id, p);
          owned.put(all.indexOf(p), call(id, "opening sink partition '" + p + "'",
              () -> (SinkPartition<Object, ?>) ((FixedPartitionedSink) fixed).buildPartition(id, p, resume)));
        }
        node = new ExchangeSender(id, this, m, execution.outbound(s, index),
            Router.byPartition(fixed, all, execution.assignment(s)), execution.config.serdeCheck());
      } else if (step instanceof Step.Output out) {
        DynamicSink<?> dyn = (DynamicSink<?>) out.sink();
        StatelessSinkPartition<Object> part = call(id, "opening its sink partition",
            () -> (StatelessSinkPartition<Object>) dyn.build(id, index, workerCount));
        node = new StatelessNodes.DynamicOutputNode(id, this, m, part);
      } else {
        throw new IllegalStateException("unknown step kind " + step);
      }
      if (receiver != null) {
        receivers.add(receiver);
        producers[s] = receiver;
      } else {
        producers[s] = node;
      }
      inlets[s] = node;
      if (node instanceof ExchangeSender es) {
        senders.add(es);
      }
    }

    for (int s = 0; s < steps.size(); s++) {
      List<Stream<?>> ins = steps.get(s).inputs();
      for (int i = 0; i < ins.size(); i++) {
        Stream<?> up = ins.get(i);
        producers[indexOf.get(up.step())].connect(up.port(), new Inlet(inlets[s], i));
      }
    }

    Map<InputNode, ExchangeSender[]> belowInput = new HashMap<>();
    for (SourceTasklet t : sources) {
      t.setDownstream(belowInput.computeIfAbsent(t.node, Worker::sendersBelow));
      tasklets.add(t);
      sourceTasklets.add(t);
    }
    for (ExchangeReceiver r : receivers) {
      r.setDownstream(sendersBelow(r));
      tasklets.add(r);
    }
    for (InputNode in : inputs) {
      in.startWithoutPartitions();
    }
  }

  private static ExchangeSender[] sendersBelow(Node node) {
    Set<ExchangeSender> set = new LinkedHashSet<>();
    node.collectSenders(set);
    return set.toArray(new ExchangeSender[0]);
  }

  /** Runs user code that builds part of a step, reporting a failure with the step and this worker. */
  private <T> T call(String stepId, String what, Supplier<T> userCode) {
    boolean mdc = LogContext.stepMdc(); // what a partition logs as it opens names its step
    if (mdc) {
      LogContext.stepBegins(stepId);
    }
    try {
      T result = userCode.get();
      if (result == null) {
        throw new IllegalStateException("returned null");
      }
      return result;
    } catch (RuntimeException | Error e) {
      throw io.sluice.run.StepFailedException.during(stepId, index, what, e);
    } finally {
      if (mdc) {
        LogContext.stepEnded();
      }
    }
  }

  /**
   * This worker's state for a hang report. Called from another thread while the worker runs: the
   * figures are racy snapshots, and while the worker is still building its steps there may be
   * nothing consistent to read yet.
   */
  String dump() {
    StringBuilder sb = new StringBuilder("worker ").append(index).append(" (").append(phase).append(")\n");
    try {
      for (Tasklet t : List.copyOf(tasklets)) {
        sb.append("  ").append(t.describe()).append('\n');
      }
      for (ExchangeSender s : List.copyOf(senders)) {
        sb.append("  ").append(s.describe()).append('\n');
      }
      sb.append("  open epoch ").append(openEpoch).append('\n');
    } catch (RuntimeException e) {
      sb.append("  (state not readable yet: ").append(e).append(")\n");
    }
    return sb.toString();
  }
}
