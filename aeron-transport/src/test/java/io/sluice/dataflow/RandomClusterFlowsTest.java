package io.sluice.dataflow;

import io.sluice.aeron.LocalCluster;
import io.sluice.dataflow.RandomFlowsTest.Deployment;
import io.sluice.dataflow.RandomFlowsTest.InOneProcess;
import io.sluice.dataflow.RandomFlowsTest.Observed;
import io.sluice.inputs.Routing;
import io.sluice.run.RunConfig;
import io.sluice.run.RunResult;
import java.time.Duration;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Differential test over randomly generated dataflows run as a cluster of processes: what a flow
 * produces must not depend on how its workers are spread over processes. It runs
 * {@link RandomFlowsTest}'s flows (the same generator and the same checks) in one process on one
 * worker, then with {@link LocalCluster} as 2 processes of 1 worker, 2 of 2 and 3 of 1, where items
 * cross processes over Aeron UDP through the default (Fory) serde, and every cluster run must match
 * the 1-worker run:
 * <ul>
 *   <li>every output and every inspect step sees the same multiset of items;</li>
 *   <li>where the order is defined, each lane holds the same sequence of items, and at an inspect
 *       step all of a lane's items are on one (global) worker;</li>
 *   <li>every keyed stateful step processes the same keys, each only on
 *       {@link Routing#workerFor(Object, int) its owner} among all workers of all processes (global
 *       worker = process × workers per process + local index);</li>
 *   <li>every per-key function of a keyed step sees, per key, the same values: in the same order
 *       where the order is defined, else the same multiset.</li>
 * </ul>
 * Each process builds the flow itself, registering the generator's
 * {@link RandomFlowsTest#CROSSING_TYPES own item and key types}; the sinks and the observations are
 * shared by the processes (they are in one JVM). Nothing sleeps, and every cluster run is bounded
 * by {@link #BOUND}.
 *
 * <p>A failure message names the seed, the processes and workers and the generated flow. To replay
 * or to search more seeds: {@code -Dsluice.randomClusterFlows.seeds=17} or
 * {@code -Dsluice.randomClusterFlows.seeds=0..500} (end exclusive).
 */
class RandomClusterFlowsTest {
  private static final String SEEDS_PROPERTY = "sluice.randomClusterFlows.seeds";
  private static final Duration BOUND = Duration.ofSeconds(60);
  private static final List<Deployment> CLUSTERS = List.of(new Cluster(2, 1), new Cluster(2, 2), new Cluster(3, 1));

  /** Processes of {@code workersPerProcess} workers each, in this JVM, over Aeron with the default serde. */
  record Cluster(int processes, int workersPerProcess) implements Deployment {
    @Override
    public RunResult run(List<Dataflow> flows, RunConfig config) {
      for (Dataflow flow : flows) {
        flow.registerTypes(RandomFlowsTest.CROSSING_TYPES.toArray(Class<?>[]::new));
      }
      return LocalCluster.run(processes, config, flows::get, BOUND).merged();
    }

    @Override
    public String toString() {
      return processes + " processes of " + workersPerProcess + (workersPerProcess == 1 ? " worker" : " workers");
    }
  }

  static LongStream seeds() {
    return RandomFlowsTest.seeds(SEEDS_PROPERTY, "0..24");
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void outputsDoNotDependOnHowWorkersAreSpreadOverProcesses(long seed) {
    Observed reference = RandomFlowsTest.runOnce(seed, new InOneProcess(1), SEEDS_PROPERTY);
    for (Deployment cluster : CLUSTERS) {
      RandomFlowsTest.runOnce(seed, cluster, SEEDS_PROPERTY).assertSameAs(reference);
    }
  }
}
