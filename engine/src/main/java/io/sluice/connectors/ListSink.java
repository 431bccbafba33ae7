package io.sluice.connectors;

import io.sluice.outputs.DynamicSink;
import io.sluice.outputs.StatelessSinkPartition;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * An in-memory sink that collects every item from every worker into one thread-safe list. Use one
 * instance per run. The order of items from different workers is not defined; items from one
 * worker keep the order that worker wrote them in.
 */
public final class ListSink<T> implements DynamicSink<T> {
  private final List<T> items = Collections.synchronizedList(new ArrayList<>());

  @Override
  public StatelessSinkPartition<T> build(String stepId, int workerIndex, int workerCount) {
    return items::addAll;
  }

  /** A copy of the items written so far. */
  public List<T> items() {
    synchronized (items) {
      return new ArrayList<>(items);
    }
  }
}
