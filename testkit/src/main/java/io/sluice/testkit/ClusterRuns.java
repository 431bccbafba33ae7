package io.sluice.testkit;

import io.sluice.dataflow.Dataflow;
import io.sluice.run.RunConfig;
import io.sluice.run.RunResult;
import java.time.Duration;
import java.util.List;

/**
 * Runs over several processes, through the Aeron transport's {@link io.sluice.aeron.LocalCluster}.
 * Kept apart so that the transport's classes load only when a test asks for processes.
 */
final class ClusterRuns {
  private ClusterRuns() {}

  static final String MISSING = "runs over several processes need io.sluice:sluice-aeron-transport on the test"
      + " classpath (add it as a test dependency)";

  static boolean available() {
    try {
      Class.forName("io.sluice.aeron.LocalCluster", false, ClusterRuns.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  static List<String> freeAddresses(int n) {
    if (!available()) {
      throw new IllegalStateException(MISSING);
    }
    return io.sluice.aeron.LocalCluster.freeLoopbackAddresses(n);
  }

  private static final java.util.Map<List<String>, io.sluice.serde.Serde> SERDES =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** The serde processes would exchange {@code flow}'s items with (one per list of registered types). */
  static io.sluice.serde.Serde transportSerde(Dataflow flow) {
    if (!available()) {
      throw new IllegalStateException(MISSING);
    }
    return SERDES.computeIfAbsent(List.copyOf(flow.registeredTypeNames()), io.sluice.aeron.AeronTransport::defaultSerde);
  }

  static RunResult run(Dataflow flow, int processes, RunConfig config, Duration timeout) {
    if (!available()) {
      throw new IllegalStateException(MISSING);
    }
    return io.sluice.aeron.LocalCluster.run(processes, config, p -> flow, timeout).merged();
  }
}
