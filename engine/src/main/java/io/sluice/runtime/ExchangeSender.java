package io.sluice.runtime;

import io.sluice.serde.Serde;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The sending side of an exchange step on one worker: routes each item to its target worker and
 * offers one batch per target to that target's bounded channel. What a full channel refuses waits
 * here (at most what one upstream activation produced); while anything waits, the tasklets that
 * feed this sender do not run, so sources stop polling and memory stays bounded.
 */
final class ExchangeSender extends Node {
  private final OutChannel[] channels;
  private final ArrayDeque<Object>[] pending;
  private final Router router;
  private final Serde serdeCheck;
  private int pendingCount;
  /** When messages started waiting (System.nanoTime), for the back-pressured time. */
  private long pendingSince;

  @SuppressWarnings("unchecked")
  ExchangeSender(String stepId, Worker w, StepMetrics m, OutChannel[] channels, Router router, Serde serdeCheck) {
    super(stepId, w, m, 0);
    this.channels = channels;
    this.router = router;
    this.serdeCheck = serdeCheck;
    this.pending = new ArrayDeque[channels.length];
    for (int i = 0; i < channels.length; i++) {
      pending[i] = new ArrayDeque<>();
    }
  }

  @Override
  @SuppressWarnings("unchecked")
  void push(int input, long epoch, List<Object> items) {
    int n = channels.length;
    if (n == 1 && serdeCheck == null) {
      // one worker: every item goes to it; validate, then pass the batch on without copying it
      // (nodes never modify a batch they receive)
      for (Object item : items) {
        try {
          router.route(item);
        } catch (RuntimeException e) {
          throw failure(item, e);
        }
      }
      send(0, new Messages.Batch(epoch, items));
      return;
    }
    List<Object>[] perTarget = new List[n];
    for (Object item : items) {
      int target;
      Object sent = item;
      try {
        target = router.route(item);
        if (serdeCheck != null) {
          sent = serdeCheck.roundTrip(item);
        }
      } catch (RuntimeException | Error e) {
        throw failure(item, e);
      }
      List<Object> l = perTarget[target];
      if (l == null) {
        l = perTarget[target] = new ArrayList<>(n == 1 ? items.size() : Math.max(4, items.size() / n * 2));
      }
      l.add(sent);
    }
    for (int t = 0; t < n; t++) {
      if (perTarget[t] != null) {
        send(t, new Messages.Batch(epoch, perTarget[t]));
      }
    }
  }

  @Override
  void eof(int input) {
    for (int t = 0; t < channels.length; t++) {
      send(t, Messages.EOF);
    }
  }

  @Override
  void progress(int input, long epoch, long timeMillis) {
    Messages.Progress marker = new Messages.Progress(epoch, timeMillis);
    for (int t = 0; t < channels.length; t++) {
      send(t, marker);
    }
  }

  private void send(int target, Object message) {
    if (pending[target].isEmpty() && offer(target, message)) {
      return;
    }
    pending[target].add(message);
    if (pendingCount++ == 0) {
      pendingSince = System.nanoTime();
    }
  }

  /** Moves waiting messages into channels that have room; returns how many moved. */
  int flush() {
    if (pendingCount == 0) {
      return 0;
    }
    int moved = 0;
    for (int t = 0; t < channels.length; t++) {
      ArrayDeque<Object> q = pending[t];
      while (!q.isEmpty() && offer(t, q.peekFirst())) {
        q.pollFirst();
        moved++;
      }
    }
    pendingCount -= moved;
    if (pendingCount == 0) {
      metrics.backPressuredNanos += System.nanoTime() - pendingSince;
    }
    return moved;
  }

  private boolean offer(int target, Object message) {
    try {
      return channels[target].offer(message);
    } catch (RuntimeException e) {
      throw failureDuring("sending " + (message == Messages.EOF ? "end-of-stream"
          : message instanceof Messages.Progress ? "a progress marker" : "a batch") + " to worker " + target, e);
    }
  }

  boolean hasPending() {
    return pendingCount > 0;
  }

  @Override
  void collectSenders(Set<ExchangeSender> into) {
    into.add(this);
  }

  String describe() {
    StringBuilder sb = new StringBuilder("exchange sender '").append(stepId).append("': channel depth per target [");
    for (int t = 0; t < channels.length; t++) {
      int d = channels[t].depth();
      sb.append(t == 0 ? "" : ", ").append(d < 0 ? "remote" : String.valueOf(d));
    }
    sb.append("], waiting messages ").append(pendingCount);
    return sb.toString();
  }
}
