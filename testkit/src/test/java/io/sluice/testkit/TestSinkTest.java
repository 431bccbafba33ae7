package io.sluice.testkit;

import static io.sluice.testkit.SluiceAssertions.assertThat;

import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.Stream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;

/** {@link TestSink}: every item with its provenance, per run, no shared state. */
class TestSinkTest {
  @DataflowTest(workers = {1, 3, 4})
  void recordsTheWorkerStepEpochAndArrivalOrderOfEveryItem(DataflowRunner runner) {
    Map<Integer, Integer> workerOf = new ConcurrentHashMap<>();
    TestSink<Integer> out = new TestSink<>();
    Dataflow flow = new Dataflow("provenance");
    flow.input("in", TestSource.dealt(3, IntStream.range(0, 60).boxed().toList()).withBatchSize(7))
        .redistribute("spread")
        .inspect("where", (Integer item, int worker, long epoch) -> workerOf.put(item, worker))
        .output("out", out);
    TestRun run = runner.run(flow);

    List<Captured<Integer>> records = run.output(out).records();
    assertThat(records).hasSize(60);
    for (Captured<Integer> c : records) {
      assertThat(c.worker()).isEqualTo(workerOf.get(c.item()));
      assertThat(c.process()).isZero();
      assertThat(c.stepId()).isEqualTo("out");
      assertThat(c.epoch()).isPositive();
    }
    assertThat(records).extracting(Captured::sequence).containsExactlyElementsOf(
        IntStream.range(0, 60).mapToObj(i -> (long) i).toList());
    for (int w = 0; w < runner.workers(); w++) {
      assertThat(run.output(out).itemsFromWorker(w)).hasSize((int) run.step("out").itemsIn(w));
    }
  }

  @DataflowTest(workers = 2)
  void eachRunStartsEmptyAndTwoSinksStayApart(DataflowRunner runner) {
    TestSink<String> evens = new TestSink<>("evens");
    TestSink<String> odds = new TestSink<>();
    Dataflow flow = new Dataflow("two-sinks");
    Stream<Integer> in = flow.input("in", TestSource.of(1, 2, 3, 4, 5));
    var branches = in.branch("parity", i -> i % 2 == 0);
    branches.trues().map("e", i -> "e" + i).output("even-out", evens);
    branches.falses().map("o", i -> "o" + i).output("odd-out", odds);

    runner.run(flow);
    TestRun second = runner.run(flow);
    assertThat(second.output(evens)).containsExactly("e2", "e4");
    assertThat(second.output(odds)).containsExactly("o1", "o3", "o5");
    assertThat(evens.items()).containsExactly("e2", "e4");
    assertThat(second.output(evens).label()).isEqualTo("test sink 'evens' (step 'even-out')");
    assertThat(second.output(odds).label()).isEqualTo("output of step 'odd-out'");
  }
}
