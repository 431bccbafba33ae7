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
  private final int processes;
  private final int workersPerProcess;
  private final List<Captured<T>> records;

  /** @param label what messages call the sink, e.g. {@code "output of step 'out'"} */
  SinkOutput(String label, int processes, int workersPerProcess, List<Captured<T>> records) {
    this.label = label;
    this.processes = processes;
    this.workersPerProcess = workersPerProcess;
    this.records = Collections.unmodifiableList(new ArrayList<>(records));
  }

  /** What messages call the sink: its name, or the output step that writes to it. */
  public String label() {
    return label;
  }

  /**
   * How many processes the run had.
   *
   * @return 1 for a run in one process
   */
  public int processes() {
    return processes;
  }

  /**
   * How many workers each process of the run had (the testkit always counts workers per process).
   *
   * @return workers per process
   */
  public int workers() {
    return workersPerProcess;
  }

  /**
   * How many workers the run had in all, {@link #processes()} × {@link #workers()}: the worker
   * indexes of {@link Captured#worker()} are {@code 0 .. totalWorkers() - 1}.
   *
   * @return the total worker count
   */
  public int totalWorkers() {
    return processes * workersPerProcess;
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

  /** Describes this output in messages: {@code "output of step 'out' at 2 processes × 4 workers"}. */
  String describe() {
    return label + " at " + Texts.deployment(processes, workersPerProcess);
  }

  @Override
  public String toString() {
    return describe() + ": " + items();
  }
}
