package io.sluice.testkit;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What one {@link TestSink} received during one run: every item with its provenance, in arrival
 * order. Immutable; assert on it with {@link SluiceAssertions#assertThat(SinkOutput)}.
 *
 * @param <T> the item type
 */
public final class SinkOutput<T> {
  private final String label;
  private final int workerCount;
  private final List<Captured<T>> records;

  /** @param label what messages call the sink, e.g. {@code "output of step 'out'"} */
  SinkOutput(String label, int workerCount, List<Captured<T>> records) {
    this.label = label;
    this.workerCount = workerCount;
    this.records = Collections.unmodifiableList(new ArrayList<>(records));
  }

  /** What messages call the sink: its name, or the output step that writes to it. */
  public String label() {
    return label;
  }

  /** How many workers the run had. */
  public int workerCount() {
    return workerCount;
  }

  /** Every captured item with its provenance, in arrival order. */
  public List<Captured<T>> records() {
    return records;
  }

  /** The items in arrival order. */
  public List<T> items() {
    List<T> items = new ArrayList<>(records.size());
    for (Captured<T> c : records) {
      items.add(c.item());
    }
    return items;
  }

  /** The items {@code worker} wrote, in the order it wrote them. */
  public List<T> itemsFromWorker(int worker) {
    List<T> items = new ArrayList<>();
    for (Captured<T> c : records) {
      if (c.worker() == worker) {
        items.add(c.item());
      }
    }
    return items;
  }

  /** How many items arrived. */
  public int size() {
    return records.size();
  }

  /** Describes this output in messages: {@code "output of step 'out' at 4 workers"}. */
  String describe() {
    return label + " at " + Texts.workers(workerCount);
  }

  @Override
  public String toString() {
    return describe() + ": " + items();
  }
}
