package io.sluice.dataflow;

import static io.sluice.TestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.connectors.ListSink;
import io.sluice.inputs.FixedPartitionedSource;
import io.sluice.inputs.SourcePartition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * A timer that is still due after its onNotify (the logic kept a past notifyAt) fires again on a
 * later activation, not in a loop inside the same one: the worker keeps running its other work.
 */
class TimerFairnessTest {
  private static final int NOTIFICATIONS = 50;

  /** One partition: emits ("k", "go"), then polls (counting polls) until the logic has been notified enough. */
  static final class PollCountingSource implements FixedPartitionedSource<KV<String, String>, Void> {
    final AtomicInteger polls = new AtomicInteger();
    final AtomicInteger notified;

    PollCountingSource(AtomicInteger notified) {
      this.notified = notified;
    }

    @Override
    public List<String> listPartitions() {
      return List.of("only");
    }

    @Override
    public SourcePartition<KV<String, String>, Void> buildPartition(String stepId, String partition, Void resume) {
      return new SourcePartition<>() {
        boolean sent;

        @Override
        public List<KV<String, String>> nextBatch() {
          polls.incrementAndGet();
          if (!sent) {
            sent = true;
            return new ArrayList<>(List.of(KV.of("k", "go")));
          }
          return notified.get() >= NOTIFICATIONS ? null : new ArrayList<>();
        }

        @Override
        public Void snapshot() {
          return null;
        }
      };
    }
  }

  /** Keeps a past notifyAt for NOTIFICATIONS notifications, recording the source's poll count each time. */
  static final class StaysDueLogic implements StatefulLogic<String, Integer, Void> {
    private final AtomicInteger notified;
    private final AtomicInteger polls;
    private final List<Integer> pollsAtNotify;
    private Instant at;

    StaysDueLogic(AtomicInteger notified, AtomicInteger polls, List<Integer> pollsAtNotify) {
      this.notified = notified;
      this.polls = polls;
      this.pollsAtNotify = pollsAtNotify;
    }

    @Override
    public Retention onBatch(List<String> values, Consumer<? super Integer> out) {
      at = Instant.now().minusSeconds(1);
      return Retention.RETAIN;
    }

    @Override
    public Retention onNotify(Consumer<? super Integer> out) {
      pollsAtNotify.add(polls.get());
      if (notified.incrementAndGet() >= NOTIFICATIONS) {
        at = null;
      }
      out.accept(notified.get());
      return Retention.RETAIN;
    }

    @Override
    public Instant notifyAt() {
      return at;
    }

    @Override
    public Void snapshot() {
      return null;
    }
  }

  @Test
  void aTimerThatStaysDueFiresOncePerActivation() {
    AtomicInteger notified = new AtomicInteger();
    PollCountingSource src = new PollCountingSource(notified);
    List<Integer> pollsAtNotify = new CopyOnWriteArrayList<>();
    Dataflow flow = new Dataflow("stays-due");
    ListSink<KV<String, Integer>> sink = new ListSink<>();
    KeyedStream.of(flow.input("in", src))
        .statefulBatch("due", (String key, Void resume) -> new StaysDueLogic(notified, src.polls, pollsAtNotify))
        .output("out", sink);
    run(flow, 1); // one worker: the source and the timer share its loop
    assertThat(sink.items()).hasSize(NOTIFICATIONS);
    // the source was polled between any two notifications
    for (int i = 1; i < pollsAtNotify.size(); i++) {
      assertThat(pollsAtNotify.get(i)).as("polls at notifications %s", pollsAtNotify)
          .isGreaterThan(pollsAtNotify.get(i - 1));
    }
  }
}
