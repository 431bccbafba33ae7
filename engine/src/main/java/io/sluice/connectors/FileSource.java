package io.sluice.connectors;

import io.sluice.inputs.FixedPartitionedSource;
import io.sluice.inputs.SourcePartition;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Reads text lines from a file, or from every regular file in a directory (one partition per file,
 * named by its file name, so each file is read by exactly one worker). The resume state is the
 * number of lines already read. Missing paths fail when the run starts, naming the path. Lines
 * are UTF-8 and end at {@code \n}, {@code \r} or {@code \r\n}; bytes that are not UTF-8 fail
 * the run naming the step, the file, the line number and the byte offset.
 */
public final class FileSource implements FixedPartitionedSource<String, Long> {
  private final Path path;
  private final int batchSize;

  public FileSource(Path path) {
    this(path, IterableSource.DEFAULT_BATCH_SIZE);
  }

  public FileSource(Path path, int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be at least 1, got " + batchSize);
    }
    this.path = path;
    this.batchSize = batchSize;
  }

  @Override
  public List<String> listPartitions() {
    if (Files.isDirectory(path)) {
      try (var files = Files.list(path)) {
        return files.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).sorted()
            .collect(Collectors.toList());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot list directory " + path, e);
      }
    }
    if (!Files.isRegularFile(path)) {
      throw new IllegalArgumentException("no such file or directory: " + path.toAbsolutePath());
    }
    return List.of(path.getFileName().toString());
  }

  @Override
  public SourcePartition<String, Long> buildPartition(String stepId, String partition, Long resumeState) {
    Path file = Files.isDirectory(path) ? path.resolve(partition) : path;
    Utf8LineReader reader;
    try {
      reader = new Utf8LineReader(Files.newInputStream(file), "step '" + stepId + "': file " + file);
    } catch (IOException e) {
      throw new UncheckedIOException("step '" + stepId + "': cannot open " + file, e);
    }
    long skip = resumeState == null ? 0 : resumeState;
    for (long i = 0; i < skip && reader.readLine() != null; i++) {
      // skip lines read before the snapshot
    }
    long start = skip;
    return new SourcePartition<>() {
      private long linesRead = start;

      @Override
      public List<String> nextBatch() {
        List<String> batch = new ArrayList<>(Math.min(batchSize, 1024));
        String line;
        while (batch.size() < batchSize && (line = reader.readLine()) != null) {
          batch.add(line);
        }
        if (batch.isEmpty()) {
          return null;
        }
        linesRead += batch.size();
        return batch;
      }

      @Override
      public Long snapshot() {
        return linesRead;
      }

      @Override
      public void close() {
        try {
          reader.close();
        } catch (IOException e) {
          throw new UncheckedIOException("cannot close " + file, e);
        }
      }
    };
  }
}
