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
 *
 * <p>Every batch is flushed to the operating system before {@code writeBatch} returns (as
 * Bytewax's file sink does), so readers of the file see it at once and a killed process loses at
 * most the batch in hand. {@link #withSync(boolean) withSync(true)} also forces each batch to the
 * storage device ({@code fsync}), so a machine crash loses at most that batch too, at the cost of
 * one device write per batch.
 */
public final class FileSink<T> implements FixedPartitionedSink<T, Long> {
  private final Path path;
  private final boolean sync;

  /** A sink that flushes every batch to the operating system (no {@code fsync}). */
  public FileSink(Path path) {
    this(path, false);
  }

  private FileSink(Path path, boolean sync) {
    this.path = java.util.Objects.requireNonNull(path, "path");
    this.sync = sync;
  }

  /** This sink, forcing every batch to the storage device ({@code fsync}) when {@code sync}. */
  public FileSink<T> withSync(boolean sync) {
    return new FileSink<>(path, sync);
  }

  /** Whether every batch is forced to the storage device. */
  public boolean sync() {
    return sync;
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
            writer.flush(); // visible when writeBatch returns
            if (sync) {
              channel.force(false);
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
