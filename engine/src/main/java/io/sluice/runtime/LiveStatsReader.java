package io.sluice.runtime;

import io.sluice.dataflow.FlowGraph;
import io.sluice.run.LiveStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CancellationException;

/** Reads a running {@link Execution}'s counters into {@link LiveStats}, from any thread. */
final class LiveStatsReader {
  private LiveStatsReader() {}

  static LiveStats read(Execution e, Worker[] workers, Queue<Object>[][][] inboundQueues, Throwable failure,
      boolean settled, long endNanos) {
    LiveStats.State state = failure != null ? LiveStats.State.FAILED
        : settled ? LiveStats.State.FINISHED : LiveStats.State.RUNNING;
    long now = System.nanoTime();
    long elapsed = (state == LiveStats.State.RUNNING || endNanos == 0 ? now : endNanos) - e.startNanos;
    long epoch = Long.MAX_VALUE;
    for (Worker w : workers) {
      epoch = Math.min(epoch, w.openEpoch);
    }
    List<FlowGraph.Node> nodes = e.flow.graph().nodes();
    List<LiveStats.Step> rows = new ArrayList<>();
    for (int s = 0; s < e.steps.size(); s++) {
      FlowGraph.Node node = nodes.get(s);
      boolean exchanges = e.steps.get(s).exchanges();
      for (Worker w : workers) {
        StepMetrics m = w.metrics[s];
        int depth = -1;
        if (exchanges) {
          depth = 0;
          for (Queue<Object>[] from : inboundQueues[s]) {
            Queue<Object> q = from[w.index];
            if (q != null) {
              depth += q.size();
            }
          }
        }
        if (m == null) { // the worker has not built this step yet
          rows.add(new LiveStats.Step(node.id(), node.kind(), exchanges, w.index, 0, 0, 0, 0, 0, 0, depth, 0));
        } else {
          rows.add(new LiveStats.Step(node.id(), node.kind(), exchanges, w.index, m.itemsIn, m.itemsOut, m.batchesOut,
              m.activations, m.activationNanos, m.maxActivationNanos, depth, m.backPressuredNanos, m.watermarkMillis,
              m.watermarkMillis == Long.MIN_VALUE ? 0 : m.watermarkLagMillis));
        }
      }
    }
    String message = failure == null ? null
        : failure instanceof CancellationException ? "cancelled: " + failure.getMessage() : String.valueOf(failure.getMessage());
    return new LiveStats(e.flow.name(), e.config.processId(), e.config.processes(), e.config.workersPerProcess(), state,
        message, epoch, e.completedEpoch(), elapsed, rows);
  }
}
