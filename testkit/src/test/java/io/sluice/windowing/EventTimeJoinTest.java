package io.sluice.windowing;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.JoinInsertMode;
import io.sluice.dataflow.JoinMode;
import io.sluice.dataflow.Joined;
import io.sluice.dataflow.KeyedStream;
import io.sluice.testkit.DataflowRunner;
import io.sluice.testkit.DataflowTest;
import io.sluice.testkit.TestSink;
import io.sluice.testkit.TestSource;
import io.sluice.windowing.WindowingTest.Ev;
import java.time.Duration;
import java.util.List;

/**
 * The motivating case: a profile-vs-order join of two sources whose items reach the join
 * in a different interleaving on every run. Joined in event time (ordered, with a wait longer than
 * the disorder), each key's rows follow the timestamps, so the output is the same on every run:
 * checked 100 times in a row at 1 and 4 workers in 1 and 2 processes.
 */
@DataflowTest(workers = {1, 4}, processes = {1, 2})
class EventTimeJoinTest {
  static final Clock<Object> CLOCK = new EventClock<>(v -> ((Ev) v).ts(), Duration.ofHours(1));

  static Dataflow flow(TestSink<String> out) {
    Dataflow flow = new Dataflow("orders-profiles").registerTypes(Ev.class);
    // profiles are read by one source, orders by another: on 4 workers, by two different workers
    KeyedStream<String, Ev> orders = flow.input("orders", TestSource.of(
        new Ev("u1", 60, "order1"), new Ev("u2", 61, "order1"), new Ev("u1", 120, "order2"), new Ev("u2", 700, "order2")))
        .keyOn("order-user", Ev::key);
    KeyedStream<String, Ev> profiles = flow.input("profiles", TestSource.of(
        new Ev("u1", 30, "gold"), new Ev("u1", 90, "silver"), new Ev("u2", 62, "gold"), new Ev("u2", 650, "bronze")))
        .keyOn("profile-user", Ev::key);
    WindowOut<String, Object, Joined<Ev, Ev>> joined = orders.joinWindow("join", CLOCK,
        Windower.tumbling(Duration.ofMinutes(10), WindowingTest.ALIGN), profiles, JoinInsertMode.LAST, JoinMode.RUNNING);
    joined.down().map("show", kv -> kv.key() + " w" + kv.value().windowId() + " " + name(kv.value().value().left())
        + "+" + name(kv.value().value().right())).output("out", out);
    return flow;
  }

  static String name(Ev e) {
    return e == null ? "-" : e.value();
  }

  @DataflowTest
  void theSameRowsOnEveryRunInTimestampOrder(DataflowRunner runner) {
    for (int run = 0; run < 100; run++) {
      TestSink<String> out = new TestSink<>();
      List<String> rows = runner.run(flow(out)).items(out);
      assertThat(rows).as("run %d", run).filteredOn(r -> r.startsWith("u1")).containsExactly(
          "u1 w0 -+gold", "u1 w0 order1+gold", "u1 w0 order1+silver", "u1 w0 order2+silver");
      assertThat(rows).as("run %d", run).filteredOn(r -> r.startsWith("u2")).containsExactly(
          "u2 w0 order1+-", "u2 w0 order1+gold", "u2 w1 -+bronze", "u2 w1 order2+bronze");
    }
  }
}
