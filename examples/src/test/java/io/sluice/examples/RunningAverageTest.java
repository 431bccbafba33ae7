package io.sluice.examples;

import static io.sluice.testkit.SluiceAssertions.assertThat;

import io.sluice.examples.RunningAverage.Average;
import io.sluice.examples.RunningAverage.Reading;
import io.sluice.inputs.Routing;
import io.sluice.testkit.DataflowRunner;
import io.sluice.testkit.DataflowTest;
import io.sluice.testkit.TestRun;
import io.sluice.testkit.TestSink;
import io.sluice.testkit.TestSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The keyed stateful example: each sensor's running mean, computed on the sensor's worker, in
 * reading order. Runs with the serde check, so the example's records are known to cross processes.
 */
@DataflowTest(workers = {1, 2, 4}, processes = {1, 2}, serdeCheck = true)
class RunningAverageTest {
  static final List<Reading> READINGS = RunningAverage.readings(12, 20);

  /** The running means, worked out one reading at a time without Sluice. */
  static List<Average> expected(List<Reading> readings) {
    Map<String, double[]> sums = new HashMap<>();
    List<Average> out = new ArrayList<>();
    for (Reading r : readings) {
      double[] s = sums.computeIfAbsent(r.sensor(), k -> new double[2]);
      s[0]++;
      s[1] += r.value();
      out.add(new Average(r.sensor(), r.seq(), (long) s[0], s[1] / s[0]));
    }
    return out;
  }

  /** Readings in partitions by site: a sensor's readings all come from one partition, in order. */
  static TestSource<Reading> bySite(int sites) {
    Map<String, List<Reading>> parts = new LinkedHashMap<>();
    for (Reading r : READINGS) {
      int site = Integer.parseInt(r.sensor().substring(1)) % sites;
      parts.computeIfAbsent("site-" + site, k -> new ArrayList<>()).add(r);
    }
    return TestSource.partitioned(parts).withBatchSize(7);
  }

  @DataflowTest
  void emitsEachSensorsRunningMeanInReadingOrder(DataflowRunner runner) {
    TestSink<Average> out = new TestSink<>();
    TestRun run = runner.run(RunningAverage.flow(bySite(3), out));
    assertThat(run.output(out))
        .containsExactlyInOrderWithinKeyElementsOf(Average::sensor, expected(READINGS))
        .hasNoDuplicates();
  }

  @DataflowTest
  void keepsEachSensorsStateOnTheWorkerRoutingPredicts(DataflowRunner runner) {
    TestSink<Average> out = new TestSink<>();
    TestRun run = runner.run(RunningAverage.flow(bySite(3), out));
    assertThat(run).step("average")
        .hasEachKeyOnTheWorkerRoutingPredicts()
        .hasKeyOnWorker("s0", Routing.workerFor("s0", runner.totalWorkers()))
        .hasItemsInTotal(READINGS.size());
    // a sensor's averages are written by the worker that owns the sensor
    run.output(out).records().forEach(c ->
        assertThat(c.worker()).as("worker of %s", c.item()).isEqualTo(Routing.workerFor(c.item().sensor(),
            runner.totalWorkers())));
  }

  @Test
  void givesTheSameOutputAtEveryWorkerCount() {
    TestSink<Average> out = new TestSink<>();
    assertThat(RunningAverage.flow(bySite(4), out)).atWorkerCounts(1, 2, 3, 4, 8).hasSameOutputAtEveryWorkerCount(out);
  }
}
