package io.sluice.aeron;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.connectors.IterableSource;
import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import io.sluice.run.RunConfig;
import java.io.File;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The processes of an in-JVM cluster share this JVM's media driver instead of launching one each. */
class SharedDriverTest {
  /** Names of the media driver directories this JVM owns right now. */
  static Set<String> driverDirectoriesOfThisJvm() {
    String prefix = DriverDirectories.PREFIX + ProcessHandle.current().pid() + "-";
    File[] dirs = DriverDirectories.base().toFile().listFiles((d, name) -> name.startsWith(prefix));
    return dirs == null ? Set.of() : Arrays.stream(dirs).map(File::getName).collect(Collectors.toSet());
  }

  /** A flow whose steps note, on every worker of every process, which driver directories exist. */
  static Dataflow looking(Set<Set<String>> seen, ListSink<Integer> out) {
    Dataflow flow = new Dataflow("look");
    flow.input("in", IterableSource.of(IntStream.range(0, 40).boxed().toList(), 1))
        .redistribute("spread")
        .inspect("look", (Integer i, int worker, long epoch) -> seen.add(driverDirectoriesOfThisJvm()))
        .output("out", out);
    return flow;
  }

  @Test
  void twoProcessesInOneJvmRunOnOneMediaDriverThatOutlivesTheRun() {
    String shared = java.nio.file.Path.of(
        SharedDrivers.directory(AeronTransport.Settings.fromSystemProperties().withSharedDriver())).getFileName().toString();
    Set<String> before = driverDirectoriesOfThisJvm(); // the shared driver's, and any other test's still open
    for (int run = 0; run < 2; run++) {
      Set<Set<String>> seen = ConcurrentHashMap.newKeySet();
      List<ListSink<Integer>> sinks = List.of(new ListSink<>(), new ListSink<>());
      LocalCluster.run(2, RunConfig.workers(2), p -> looking(seen, sinks.get(p)), Duration.ofSeconds(60));

      assertThat(sinks.get(0).items().size() + sinks.get(1).items().size()).isEqualTo(40);
      assertThat(sinks).allSatisfy(s -> assertThat(s.items()).as("redistribute reached both processes").isNotEmpty());
      // while the run went on, no process had a driver of its own: only the shared one was there
      assertThat(seen).isNotEmpty().allSatisfy(dirs -> assertThat(dirs).contains(shared)
          .allSatisfy(d -> assertThat(before).as("driver directories of this JVM during the run, none made for it").contains(d)));
      // and the driver stays for the next run (it is closed when the JVM exits)
      assertThat(driverDirectoriesOfThisJvm()).contains(shared);
    }
  }
}
