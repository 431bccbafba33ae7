package io.sluice.connectors;

import static io.sluice.TestSupport.run;
import static io.sluice.TestSupport.workersWithItems;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** FileSource: a file is one partition, a directory one partition per regular file. */
class FileSourceTest {
  @TempDir
  Path dir;

  private static List<String> lines(String prefix, int n) {
    List<String> l = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      l.add(prefix + "-" + i + (i % 7 == 0 ? " ünïcödé ✓" : ""));
    }
    return l;
  }

  private static RunResult read(FileSource source, int workers, ListSink<String> sink) {
    Dataflow flow = new Dataflow("file-source");
    flow.input("files", source).output("out", sink);
    return run(flow, workers);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4})
  void readsEveryLineOfOneFileOnOneWorker(int workers) throws IOException {
    Path file = dir.resolve("one.txt");
    List<String> lines = lines("one", 500);
    Files.write(file, lines, StandardCharsets.UTF_8);
    ListSink<String> sink = new ListSink<>();
    RunResult r = read(new FileSource(file, 16), workers, sink);
    assertThat(sink.items()).containsExactlyElementsOf(lines); // one reader, no exchange: file order
    assertThat(workersWithItems(r.step("files").itemsOutPerWorker())).containsExactly(0);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4})
  void readsADirectoryAsOnePartitionPerFileEachReadOnce(int workers) throws IOException {
    List<String> all = new ArrayList<>();
    for (String name : List.of("a", "b", "c")) {
      List<String> lines = lines(name, 100 + name.charAt(0));
      Files.write(dir.resolve(name + ".log"), lines, StandardCharsets.UTF_8);
      all.addAll(lines);
    }
    Files.createDirectory(dir.resolve("subdir")); // not a regular file: not a partition
    Files.write(dir.resolve("subdir").resolve("hidden.log"), List.of("never read"));
    FileSource source = new FileSource(dir, 10);
    assertThat(source.listPartitions()).containsExactly("a.log", "b.log", "c.log");

    ListSink<String> sink = new ListSink<>();
    RunResult r = read(source, workers, sink);
    assertThat(sink.items()).containsExactlyInAnyOrderElementsOf(all);
    assertThat(workersWithItems(r.step("files").itemsOutPerWorker()))
        .containsExactlyElementsOf(workers == 1 ? List.of(0) : List.of(0, 1, 2));
    // within one file, lines keep their order
    for (String name : List.of("a", "b", "c")) {
      assertThat(sink.items().stream().filter(l -> l.startsWith(name + "-")).toList())
          .containsExactlyElementsOf(lines(name, 100 + name.charAt(0)));
    }
  }

  @Test
  void respectsTheBatchSize() throws IOException {
    Path file = dir.resolve("batches.txt");
    Files.write(file, lines("x", 23));
    List<Integer> sizes = new CopyOnWriteArrayList<>();
    Dataflow flow = new Dataflow("batches");
    ListSink<String> sink = new ListSink<>();
    flow.input("in", new FileSource(file, 5))
        .flatMapBatch("sizes", batch -> {
          sizes.add(batch.size());
          return batch;
        })
        .output("out", sink);
    run(flow, 2);
    assertThat(sizes).containsExactly(5, 5, 5, 5, 3);
    assertThat(sink.items()).hasSize(23);
    assertThatThrownBy(() -> new FileSource(file, 0)).hasMessageContaining("0");
  }

  @Test
  void anEmptyFileAndAnEmptyDirectoryEnd() throws IOException {
    Path empty = Files.createFile(dir.resolve("empty.txt"));
    ListSink<String> sink = new ListSink<>();
    read(new FileSource(empty), 2, sink);
    Path emptyDir = Files.createDirectory(dir.resolve("nothing"));
    read(new FileSource(emptyDir), 2, sink);
    assertThat(sink.items()).isEmpty();
  }

  @Test
  void aMissingPathFailsBeforeTheRunNamingThePathAndStep() {
    Path missing = dir.resolve("does-not-exist.txt");
    Dataflow flow = new Dataflow(TestSupport.uniqueName("missing"));
    flow.input("files", new FileSource(missing)).output("out", new ListSink<>());
    assertThatThrownBy(() -> Sluice.start(flow, RunConfig.workers(2)))
        .isInstanceOf(StepFailedException.class)
        .hasMessageContaining("'files'")
        .hasMessageContaining(missing.toAbsolutePath().toString());
    assertThat(TestSupport.workerThreads(flow.name())).isEmpty();
  }

  @Test
  void resumesAfterTheLinesAlreadyRead() throws IOException {
    Path file = dir.resolve("resume.txt");
    Files.write(file, List.of("l0", "l1", "l2", "l3", "l4"));
    FileSource source = new FileSource(file, 2);
    var p = source.buildPartition("files", "resume.txt", null);
    assertThat(p.nextBatch()).containsExactly("l0", "l1");
    Long snapshot = p.snapshot();
    p.close();
    assertThat(snapshot).isEqualTo(2L);
    var resumed = source.buildPartition("files", "resume.txt", snapshot);
    assertThat(resumed.nextBatch()).containsExactly("l2", "l3");
    assertThat(resumed.nextBatch()).containsExactly("l4");
    assertThat(resumed.nextBatch()).isNull();
    assertThat(resumed.snapshot()).isEqualTo(5L);
    resumed.close();
  }
}
