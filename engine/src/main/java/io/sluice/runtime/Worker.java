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
  private final long epochIntervalNanos;
  volatile String phase = "starting";
  /** Whether the run may interrupt this worker's thread (to get it out of user code); guarded by this. */
  private boolean interruptible = true;

  Worker(Execution execution, int index) {
    this.execution = execution;
    this.index = index;
    this.slowThresholdNanos = execution.config.slowActivationThreshold().toNanos();
    this.epochIntervalNanos = execution.config.epochInterval().toNanos();
    this.metrics = new StepMetrics[execution.steps.size()];
  }

  @Override
  public void run() {
    try {
      phase = "building steps";
      build();
      phase = "running";
      loop();
      phase = execution.isStopping() ? "stopped" : "finished";
    } catch (Throwable t) {
      phase = "failed: " + t;
      execution.fail(t);
    } finally {
      closeAll();
      execution.workerExited(this);
    }
  }

  private void loop() {
    IdleStrategy idle = IdleStrategies.of(execution.config.idle().workers());
    while (!execution.isStopping()) {
      int work = 0;
      for (int i = 0, n = senders.size(); i < n; i++) {
        work += senders.get(i).flush();
      }
      boolean allDone = true;
      for (int i = 0, n = tasklets.size(); i < n; i++) {
        Tasklet t = tasklets.get(i);
        if (!t.isDone()) {
          work += t.doWork();
          allDone &= t.isDone();
        }
      }
      if (allDone && !anyPending(senders)) {
        return;
      }
      idle.idle(work);
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

  /** The epoch of an item read at {@code nanoTime}: 1 plus whole epoch intervals since the run started. */
  long epochAt(long nanoTime) {
    return 1 + Math.max(0, nanoTime - execution.epochOriginNanos) / epochIntervalNanos;
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
    Map<Step, Integer> indexOf = new HashMap<>();
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
          for (String p : mine) {
            StatelessSourcePartition<Object> part = call(id, "opening partition '" + p + "'",
                () -> (StatelessSourcePartition<Object>) fixed.buildPartition(id, p, null));
            sources.add(new SourceTasklet(input, p, part));
          }
          node = input;
        } else {
          DynamicSource<?> dyn = (DynamicSource<?>) in.source();
          InputNode input = new InputNode(id, this, m, 1);
          StatelessSourcePartition<Object> part = call(id, "opening its source partition",
              () -> (StatelessSourcePartition<Object>) dyn.build(id, index, workerCount));
          sources.add(new SourceTasklet(input, "worker-" + index, part));
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
        receiver = new StatefulReceiver(id, this, m, execution.inbound(s, index),
            (StatefulLogicBuilder<Object, Object, Object, Object>) sb.builder());
        node = new ExchangeSender(id, this, m, execution.outbound(s, index), Router.byKey(id, workerCount),
            execution.config.serdeCheck());
      } else if (step instanceof Step.Output out && out.sink() instanceof FixedPartitionedSink<?, ?> fixed) {
        List<String> all = execution.partitions(s);
        Map<Integer, SinkPartition<Object, ?>> owned = new HashMap<>();
        receiver = new PartitionedSinkReceiver(id, this, m, execution.inbound(s, index),
            (FixedPartitionedSink<Object, ?>) fixed, owned, all.size());
        for (String p : execution.partitionsOf(s, index)) {
          owned.put(all.indexOf(p), call(id, "opening sink partition '" + p + "'",
              () -> (SinkPartition<Object, ?>) fixed.buildPartition(id, p, null)));
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
    try {
      T result = userCode.get();
      if (result == null) {
        throw new IllegalStateException("returned null");
      }
      return result;
    } catch (RuntimeException | Error e) {
      throw io.sluice.run.StepFailedException.during(stepId, index, what, e);
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
    } catch (RuntimeException e) {
      sb.append("  (state not readable yet: ").append(e).append(")\n");
    }
    return sb.toString();
  }
}
