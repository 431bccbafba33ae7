package io.sluice.dataflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.connectors.ListSink;
import io.sluice.inputs.DynamicSource;
import io.sluice.inputs.StatelessSourcePartition;
import io.sluice.run.RunConfig;
import io.sluice.run.RunningDataflow;
import io.sluice.run.Sluice;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A logic that moves its deadline on every value (a session timeout) keeps one pending timer, not
 * one per value: the runtime's timer queue never holds more timers than keys.
 */
class TimerQueueTest {
  private static final int VALUES = 5_000;

  @Test
  void aDeadlineMovedOnEveryValueKeepsOneQueuedTimer() {
    AtomicInteger handled = new AtomicInteger();
    Dataflow flow = new Dataflow("session-timeout");
    Stream<KV<String, Integer>> values = flow.input("values",
        (DynamicSource<KV<String, Integer>>) (step, worker, count) -> new StatelessSourcePartition<>() {
      private int sent;

      @Override
      public List<KV<String, Integer>> nextBatch() {
        // one value per batch, so every value is its own onBatch call; then stay open, idle
        return sent < VALUES ? new ArrayList<>(List.of(KV.of("k", sent++))) : new ArrayList<>();
      }

      @Override
      public Instant nextAwake() {
        return sent < VALUES ? null : Instant.now().plusSeconds(3600);
      }
    });
    KeyedStream.of(values).statefulBatch("session", (String key, Integer resume) -> new StatefulLogic<Integer, Integer, Integer>() {
      private Instant deadline;

      @Override
      public Retention onBatch(List<Integer> values, Consumer<? super Integer> out) {
        deadline = Instant.now().plusSeconds(3600).plusNanos(handled.incrementAndGet());
        return Retention.RETAIN;
      }

      @Override
      public Instant notifyAt() {
        return deadline;
      }

      @Override
      public Integer snapshot() {
        return null;
      }
    }).output("out", new ListSink<>());

    RunningDataflow running = Sluice.start(flow, RunConfig.workers(1));
    try {
      await("all values handled").atMost(Duration.ofSeconds(30)).until(() -> handled.get() == VALUES);
      Matcher m = Pattern.compile("(\\d+) timers queued").matcher(running.dumpState());
      assertThat(m.find()).as("the dump shows the timer queue").isTrue();
      assertThat(Integer.parseInt(m.group(1))).isLessThanOrEqualTo(1);
    } finally {
      running.cancel();
    }
  }
}
