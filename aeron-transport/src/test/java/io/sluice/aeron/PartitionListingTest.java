package io.sluice.aeron;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.connectors.FileSink;
import io.sluice.connectors.FileSource;
import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import io.sluice.run.RunResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Processes may list different partitions, like files on each host's own disk: every partition is
 * read exactly once, by a worker of a process that listed it.
 */
class PartitionListingTest {
  @TempDir
  Path tmp;

  private Path dirWith(String name, Map<String, Integer> files) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve(name));
    for (Map.Entry<String, Integer> f : files.entrySet()) {
      Files.write(dir.resolve(f.getKey()),
          IntStream.range(0, f.getValue()).mapToObj(i -> f.getKey() + ":" + i).collect(Collectors.toList()));
    }
    return dir;
  }

  @Test
  void filesOnEachProcesssOwnDiskAreReadOnceByThatProcess() throws Exception {
    // process 0 has a and b; process 1 has c, d and e
    List<Path> dirs = List.of(dirWith("host0", Map.of("a.txt", 100, "b.txt", 200)),
        dirWith("host1", Map.of("c.txt", 300, "d.txt", 400, "e.txt", 500)));
    List<ListSink<String>> sinks = List.of(new ListSink<>(), new ListSink<>());
    List<RunResult> results = InJvmCluster.runOk(2, 2, p -> {
      Dataflow flow = new Dataflow("local-files");
      flow.input("lines", new FileSource(dirs.get(p), 50)).redistribute("spread").output("out", sinks.get(p));
      return flow;
    });

    List<String> all = new ArrayList<>(sinks.get(0).items());
    all.addAll(sinks.get(1).items());
    assertThat(all).hasSize(1500).doesNotHaveDuplicates();
    long[] read = new long[4];
    for (RunResult r : results) {
      for (int w = 0; w < 4; w++) {
        read[w] += r.step("lines").itemsOut(w);
      }
    }
    assertThat(read[0] + read[1]).as("process 0 (workers 0, 1) read its own files").isEqualTo(100 + 200);
    assertThat(read[2] + read[3]).as("process 1 (workers 2, 3) read its own files").isEqualTo(300 + 400 + 500);
  }

  @Test
  void aSinkWhosePartitionsDifferBetweenProcessesIsRefusedNamingBothLists() throws Exception {
    Path in = dirWith("in", Map.of("lines.txt", 10)).resolve("lines.txt");
    List<InJvmCluster.Outcome> outcomes = InJvmCluster.run(2, 1, p -> {
      Dataflow flow = new Dataflow("different-sinks");
      flow.input("lines", new FileSource(in)).output("out", new FileSink<String>(tmp.resolve("out-" + p + ".txt")));
      return flow;
    }, c -> c);
    String errors = outcomes.get(0).error() + " / " + outcomes.get(1).error();
    assertThat(outcomes).allSatisfy(o -> assertThat(o.error()).isNotNull());
    assertThat(errors).contains("step 'out' failed while listing partitions")
        .containsAnyOf("process 1 lists [out-1.txt] but process 0 lists [out-0.txt]",
            "process 0 lists [out-0.txt] but process 1 lists [out-1.txt]")
        .contains("a fixed-partitioned sink needs the same partitions");
  }
}
