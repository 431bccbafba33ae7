package io.sluice.runtime;

import io.sluice.dataflow.ItemFailedException;
import io.sluice.run.StepFailedException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One step instance on one worker. Upstream pushes batches into it synchronously; it emits to the
 * inlets of its downstream steps on the same worker. Nodes never modify a batch they receive (a
 * stream read by two steps hands both the same list).
 */
abstract class Node {
  final String stepId;
  final Worker worker;
  final StepMetrics metrics;
  private final List<List<Inlet>> outputs = new ArrayList<>();
  /** Whether activations put {@code step} in the MDC ({@link LogContext#stepMdc()}). */
  private final boolean stepMdc = LogContext.stepMdc();

  Node(String stepId, Worker worker, StepMetrics metrics, int outputCount) {
    this.stepId = stepId;
    this.worker = worker;
    this.metrics = metrics;
    for (int i = 0; i < outputCount; i++) {
      outputs.add(new ArrayList<>(1));
    }
    io.sluice.run.RunObserver observer = worker.execution.config.observer();
    if (observer != null && metrics.activationListener == null) {
      metrics.activationListener = observer.activationListener(stepId, worker.index);
    }
  }

  /** Receives a non-empty batch on input {@code input}. */
  abstract void push(int input, long epoch, List<Object> items);

  /** Input {@code input} has ended. */
  abstract void eof(int input);

  /**
   * Input {@code input} closed {@code epoch}: every item of it has been pushed; {@code timeMillis}
   * is that input's time. Nodes with one input pass it on; nodes with several pass it on once every
   * input closed the epoch ({@link Frontier}).
   */
  void progress(int input, long epoch, long timeMillis) {
    emitProgress(epoch, timeMillis);
  }

  void connect(int port, Inlet inlet) {
    outputs.get(port).add(inlet);
  }

  final void emit(int port, long epoch, List<Object> items) {
    if (items.isEmpty()) {
      return;
    }
    metrics.itemsOut += items.size();
    metrics.batchesOut++;
    io.sluice.run.EmitObserver observer = worker.execution.config.emitObserver();
    if (observer != null) {
      observer.emitted(stepId, worker.index, items);
    }
    List<Inlet> targets = outputs.get(port);
    io.sluice.run.RunHook hook = worker.hook;
    for (int i = 0, n = targets.size(); i < n; i++) {
      Inlet t = targets.get(i);
      if (hook != null && !(t.node() instanceof ExchangeSender)) { // a keyed step sees items at its receiver
        hook.beforeStep(t.node().stepId, worker.index, items);
      }
      t.node().push(t.input(), epoch, items);
    }
  }

  final void emitProgress(long epoch, long timeMillis) {
    for (List<Inlet> targets : outputs) {
      for (int i = 0, n = targets.size(); i < n; i++) {
        Inlet t = targets.get(i);
        t.node().progress(t.input(), epoch, timeMillis);
      }
    }
  }

  final void emitEof() {
    for (List<Inlet> targets : outputs) {
      for (Inlet t : targets) {
        t.node().eof(t.input());
      }
    }
  }

  /** Adds the exchange senders reachable from this node without crossing an exchange. */
  void collectSenders(Set<ExchangeSender> into) {
    for (List<Inlet> targets : outputs) {
      for (Inlet t : targets) {
        t.node().collectSenders(into);
      }
    }
  }

  /**
   * An activation of user code begins: puts {@code step} in the MDC (when on) and returns
   * {@link System#nanoTime()} for {@link #recordActivation}, which must follow it.
   */
  final long beginActivation() {
    if (stepMdc) {
      LogContext.stepBegins(stepId);
    }
    return System.nanoTime();
  }

  /** Records how long one activation of user code took, warning past the threshold. */
  final void recordActivation(long nanos) {
    if (stepMdc) {
      LogContext.stepEnded();
    }
    metrics.activations++;
    metrics.activationNanos += nanos;
    if (metrics.activationListener != null) {
      metrics.activationListener.accept(nanos);
    }
    if (nanos > metrics.maxActivationNanos) {
      metrics.maxActivationNanos = nanos;
    }
    if (nanos > worker.slowThresholdNanos) {
      worker.execution.slowActivation(stepId, worker.index, nanos);
    }
  }

  /** The exception that reports user code failing in this step, on this worker. */
  final StepFailedException failure(Object itemOrBatch, Throwable cause) {
    if (cause instanceof StepFailedException s) {
      return s;
    }
    if (cause instanceof ItemFailedException f) {
      return new StepFailedException(stepId, worker.index, StepFailedException.describe(f.item()), f.getCause());
    }
    String item;
    if (itemOrBatch instanceof List<?> batch) {
      item = batch.size() == 1 ? StepFailedException.describe(batch.get(0))
          : "(one of a batch of " + batch.size() + " starting with " + StepFailedException.describe(batch.get(0)) + ")";
    } else {
      item = itemOrBatch == null ? null : StepFailedException.describe(itemOrBatch);
    }
    return new StepFailedException(stepId, worker.index, item, cause);
  }

  /** The exception that reports user code failing in this step outside any item. */
  final StepFailedException failureDuring(String activity, Throwable cause) {
    return cause instanceof StepFailedException s ? s : StepFailedException.during(stepId, worker.index, activity, cause);
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + stepId + "]";
  }
}
