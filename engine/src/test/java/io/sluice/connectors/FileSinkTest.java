package io.sluice.connectors;

import static io.sluice.TestSupport.run;
import static io.sluice.TestSupport.workersWithInput;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.sluice.TestSupport;
import io.sluice.dataflow.Dataflow;
import io.sluice.run.RunConfig;
import io.sluice.run.RunResult;
import io.sluice.run.Sluice;
import io.sluice.run.StepFailedException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** FileSink: one partition, written by one worker; items from every worker travel there. */
class FileSinkTest {
  @TempDir
  Path dir;

  private static IterableSource<String> fourPartitions(List<String> expected) {
    Map<String, List<String>> parts = new LinkedHashMap<>();
    for (int p = 0; p < 4; p++) {
      List<String> l = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        l.add("p" + p + " line " + i + " é");
      }
      expected.addAll(l);
      parts.put("p" + p, l);
    }
    return IterableSource.partitioned(parts, 17);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4})
  void writesEveryLineFromEveryWorker(int workers) throws IOException {
    Path out = dir.resolve("out.txt");
    List<String> expected = new ArrayList<>();
    Dataflow flow = new Dataflow("file-sink");
    flow.input("in", fourPartitions(expected)).output("file", new FileSink<>(out));
    RunResult r = run(flow, workers);
    assertThat(Files.readAllLines(out, StandardCharsets.UTF_8)).containsExactlyInAnyOrderElementsOf(expected);
    assertThat(workersWithInput(r.step("file"))).containsExactly(0);
    assertThat(r.step("file").totalIn()).isEqualTo(1200);
  }

  @Test
  void aFreshRunReplacesTheFile() throws IOException {
    Path out = dir.resolve("replace.txt");
    Files.writeString(out, "old content that is longer than the new one\n".repeat(100));
    Dataflow flow = new Dataflow("replace");
    flow.input("in", IterableSource.of(List.of("new"))).output("file", new FileSink<>(out));
    run(flow, 2);
    assertThat(Files.readAllLines(out)).containsExactly("new");
  }

  @Test
  void aSinkThatCannotOpenItsFileNamesIt() {
    Path out = dir.resolve("no-such-dir").resolve("out.txt");
    Dataflow flow = new Dataflow(TestSupport.uniqueName("unwritable"));
    flow.input("in", IterableSource.of(List.of("x"))).output("file", new FileSink<>(out));
    StepFailedException e = catchThrowableOfType(StepFailedException.class,
        () -> Sluice.start(flow, RunConfig.workers(2)).await(TestSupport.BOUND));
    assertThat(e).isNotNull();
    assertThat(e.stepId()).isEqualTo("file");
    assertThat(e.getCause()).hasMessageContaining(out.toString());
    assertThat(TestSupport.workerThreads(flow.name())).isEmpty();
  }

  @Test
  void resumingTruncatesToTheSnapshotAndAppends() throws IOException {
    Path out = dir.resolve("resume.txt");
    FileSink<String> sink = new FileSink<>(out);
    var first = sink.buildPartition("file", "resume.txt", null);
    first.writeBatch(List.of("a", "b"));
    Long snapshot = first.snapshot();
    first.writeBatch(List.of("lost"));
    first.close();
    assertThat(snapshot).isEqualTo(4L);
    assertThat(Files.readAllLines(out)).containsExactly("a", "b", "lost");
    var resumed = sink.buildPartition("file", "resume.txt", snapshot);
    resumed.writeBatch(List.of("c"));
    resumed.close();
    assertThat(Files.readAllLines(out)).containsExactly("a", "b", "c");
  }
}
