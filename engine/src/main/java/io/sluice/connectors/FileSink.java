package io.sluice.connectors;

import io.sluice.outputs.FixedPartitionedSink;
import io.sluice.outputs.SinkPartition;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Writes each item's {@code toString} as a line to one file. The file is a single partition, so
 * one worker writes it and items from other workers are sent there. The resume state is the file
 * size in bytes: resuming truncates anything written after the snapshot; a fresh run truncates.
 */
public final class FileSink<T> implements FixedPartitionedSink<T, Long> {
  private final Path path;

  public FileSink(Path path) {
    this.path = path;
  }

  @Override
  public List<String> listPartitions() {
    return List.of(path.getFileName().toString());
  }

  @Override
  public int partitionFor(T item, int partitionCount) {
    return 0;
  }

  @Override
  public SinkPartition<T, Long> buildPartition(String stepId, String partition, Long resumeState) {
    try {
      FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      channel.truncate(resumeState == null ? 0 : resumeState);
      channel.position(channel.size());
      BufferedWriter writer = new BufferedWriter(
          new java.io.OutputStreamWriter(java.nio.channels.Channels.newOutputStream(channel), StandardCharsets.UTF_8));
      return new SinkPartition<>() {
        @Override
        public void writeBatch(List<T> items) {
          try {
            for (T item : items) {
              writer.write(String.valueOf(item));
              writer.write('\n');
            }
          } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path, e);
          }
        }

        @Override
        public Long snapshot() {
          try {
            writer.flush();
            return channel.size();
          } catch (IOException e) {
            throw new UncheckedIOException("cannot flush " + path, e);
          }
        }

        @Override
        public void close() {
          try {
            writer.close();
          } catch (IOException e) {
            throw new UncheckedIOException("cannot close " + path, e);
          }
        }
      };
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open " + path + " for writing", e);
    }
  }
}
