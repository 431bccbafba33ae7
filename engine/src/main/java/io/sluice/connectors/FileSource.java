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
  /** Bytes read so far by this source's partitions in this process (for progress lines). */
  private final java.util.concurrent.atomic.LongAdder bytesRead = new java.util.concurrent.atomic.LongAdder();

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

  /**
   * Bytes this source's partitions have read so far in this JVM (all runs of this instance), for
   * progress reports; read from any thread.
   */
  public long bytesRead() {
    return bytesRead.sum();
  }

  /** The total size in bytes of the file, or of the regular files in the directory; -1 if unreadable. */
  public long totalBytes() {
    try {
      long total = 0;
      for (String p : listPartitions()) {
        total += Files.size(Files.isDirectory(path) ? path.resolve(p) : path);
      }
      return total;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  @Override
  public SourcePartition<String, Long> buildPartition(String stepId, String partition, Long resumeState) {
    Path file = Files.isDirectory(path) ? path.resolve(partition) : path;
    Utf8LineReader reader;
    try {
      java.io.InputStream counting = new java.io.FilterInputStream(Files.newInputStream(file)) {
        @Override
        public int read() throws IOException {
          int b = super.read();
          if (b >= 0) {
            bytesRead.increment();
          }
          return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
          int n = super.read(buf, off, len);
          if (n > 0) {
            bytesRead.add(n);
          }
          return n;
        }
      };
      reader = new Utf8LineReader(counting, "step '" + stepId + "': file " + file);
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
