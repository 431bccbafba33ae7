package io.sluice.testkit;

import static io.sluice.testkit.SluiceAssertions.assertThat;

import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.JoinMode;
import io.sluice.dataflow.Joined;
import io.sluice.dataflow.KV;
import io.sluice.dataflow.KeyedStream;
import java.util.LinkedHashMap;
import java.util.Map;

/** The worked examples of docs/TESTING.md, "Testing joins": one per join mode, at 1, 2 and 4 workers. */
@DataflowTest(workers = {1, 2, 4})
class JoinModesTest {
  /** Users' names and users' e-mail addresses, keyed by user id; u2 has no address, u3 no name. */
  static Dataflow profiles(JoinMode mode, TestSink<KV<String, Joined<String, String>>> out) {
    Dataflow flow = new Dataflow("profiles-" + mode);
    KeyedStream<String, String> names =
        KeyedStream.of(flow.input("names", TestSource.of(KV.of("u1", "Ada"), KV.of("u2", "Bob"))));
    KeyedStream<String, String> emails =
        KeyedStream.of(flow.input("emails", TestSource.of(KV.of("u1", "ada@example.org"), KV.of("u3", "cy@example.org"))));
    names.join("profile", emails, mode).output("out", out);
    return flow;
  }

  @DataflowTest
  void completeEmitsOnceBothSidesHaveAValue(DataflowRunner runner) {
    TestSink<KV<String, Joined<String, String>>> out = new TestSink<>();
    TestRun run = runner.run(profiles(JoinMode.COMPLETE, out));
    // u2 and u3 never get their other side: nothing for them
    assertThat(run.output(out)).containsExactly(KV.of("u1", new Joined<>("Ada", "ada@example.org")));
  }

  @DataflowTest
  void finalEmitsEveryKeyOnceAtTheEndOfTheInput(DataflowRunner runner) {
    TestSink<KV<String, Joined<String, String>>> out = new TestSink<>();
    TestRun run = runner.run(profiles(JoinMode.FINAL, out));
    assertThat(run.output(out)).containsExactlyInAnyOrder(
        KV.of("u1", new Joined<>("Ada", "ada@example.org")),
        KV.of("u2", new Joined<>("Bob", null)),
        KV.of("u3", new Joined<>(null, "cy@example.org")));
  }

  @DataflowTest
  void runningEmitsOnEveryValueWithTheLatestOfEachSide(DataflowRunner runner) {
    TestSink<KV<String, Joined<String, String>>> out = new TestSink<>();
    TestRun run = runner.run(profiles(JoinMode.RUNNING, out));
    // which side of u1 arrives first depends on thread timing; the last pair per key does not
    Map<String, Joined<String, String>> latest = new LinkedHashMap<>();
    run.output(out).items().forEach(kv -> latest.put(kv.key(), kv.value()));
    org.assertj.core.api.Assertions.assertThat(run.output(out).items()).hasSize(4);
    org.assertj.core.api.Assertions.assertThat(latest).containsOnly(
        Map.entry("u1", new Joined<>("Ada", "ada@example.org")),
        Map.entry("u2", new Joined<>("Bob", null)),
        Map.entry("u3", new Joined<>(null, "cy@example.org")));
    assertThat(run).step("profile").hasEachKeyOnTheWorkerRoutingPredicts();
  }

}
