package io.sluice.windowing;

import static io.sluice.testkit.SluiceAssertions.assertThatWindows;
import static io.sluice.windowing.WindowingTest.ALIGN;
import static io.sluice.windowing.WindowingTest.EVENT_CLOCK;
import static io.sluice.windowing.WindowingTest.ev;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.KV;
import io.sluice.testkit.DataflowRunner;
import io.sluice.testkit.DataflowTest;
import io.sluice.testkit.TestRun;
import io.sluice.testkit.TestSink;
import io.sluice.testkit.TestSource;
import io.sluice.windowing.WindowingTest.Ev;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** The testkit's window assertions read a windowing step's results and late items per key and window. */
class WindowsAssertTest {
  @DataflowTest(workers = {1, 2, 4}, processes = {1, 2})
  void resultsAndLateItemsPerKeyAndWindow(DataflowRunner runner) {
    TestSink<KV<String, Windowed<Long>>> down = new TestSink<>();
    TestSink<KV<String, Windowed<Ev>>> late = new TestSink<>();
    Dataflow flow = new Dataflow("windows-assert");
    flow.registerTypes(Ev.class);
    WindowOut<String, Ev, Long> out = flow.input("in", TestSource.of(
            ev("a", 0, "1"), ev("a", 30, "2"), ev("b", 10, "3"), ev("a", 70, "4"), ev("a", 20, "too late")))
        .keyOn("key", Ev::key)
        .countWindow("count", EVENT_CLOCK, Windower.tumbling(Duration.ofMinutes(1), ALIGN));
    out.down().output("down", down);
    out.late().output("late", late);
    TestRun run = runner.run(flow);

    assertThatWindows(run.output(down))
        .hasResult("a", 0, 2L)
        .hasResult("a", 1, 1L)
        .hasExactlyResults(Map.of("a", Map.of(0L, 2L, 1L, 1L), "b", Map.of(0L, 1L)));
    assertThatWindows(run.output(late)).hasExactlyLists(Map.of("a", Map.of(0L, List.of(ev("a", 20, "too late")))));

    assertThatThrownBy(() -> assertThatWindows(run.output(down)).hasResult("a", 0, 3L))
        .hasMessageContaining("key \"a\", window 0 to have 3L, but it has [2L]");
    assertThatThrownBy(() -> assertThatWindows(run.output(down))
        .hasExactlyResults(Map.of("a", Map.of(0L, 2L), "c", Map.of(5L, 1L))))
        .hasMessageContaining("missing: key \"c\", window 5: [1L]")
        .hasMessageContaining("unexpected: key \"a\", window 1: [1L]")
        .hasMessageContaining("unexpected: key \"b\", window 0: [1L]");
  }
}
