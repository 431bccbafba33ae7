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

  /**
   * The serde processes would exchange {@code flow}'s items with: the one an in-JVM cluster run of
   * the flow uses (one per JVM and list of registered types).
   */
  static io.sluice.serde.Serde transportSerde(Dataflow flow) {
    if (!available()) {
      throw new IllegalStateException(MISSING);
    }
    return io.sluice.aeron.AeronTransport.inJvmSerde(List.copyOf(flow.registeredTypeNames()));
  }

  static RunResult run(Dataflow flow, int processes, RunConfig config, Duration timeout) {
    if (!available()) {
      throw new IllegalStateException(MISSING);
    }
    return io.sluice.aeron.LocalCluster.run(processes, config, p -> flow, timeout).merged();
  }
}
