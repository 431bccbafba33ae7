package io.sluice.connectors;

import io.sluice.outputs.DynamicSink;
import io.sluice.outputs.StatelessSinkPartition;
import java.io.PrintStream;
import java.util.List;

/**
 * Prints each item's {@code toString} on its own line to standard output, from every worker.
 * Each batch is printed with one write, so lines never interleave mid-line; the order of lines
 * from different workers is not defined. Every batch is flushed before {@code writeBatch} returns.
 */
public final class StdOutSink<T> implements DynamicSink<T> {
  @Override
  public StatelessSinkPartition<T> build(String stepId, int workerIndex, int workerCount) {
    PrintStream out = System.out;
    return new StatelessSinkPartition<>() {
      @Override
      public void writeBatch(List<T> items) {
        StringBuilder sb = new StringBuilder(items.size() * 16);
        for (T item : items) {
          sb.append(item).append('\n');
        }
        out.print(sb);
        out.flush(); // each batch is visible when writeBatch returns
      }

      @Override
      public void close() {
        out.flush();
      }
    };
  }
}
