package io.sluice.testkit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;

/**
 * How the testkit's messages name the workers of a run: its one way to say which worker. Worker
 * indexes are global ({@code 0 .. processes × workersPerProcess - 1}; worker {@code w} is in
 * process {@code w / workersPerProcess}), and in a run of several processes each name says the
 * process too: {@code worker 2 (process 1)}. In one process a name is the index alone,
 * {@code worker 2}, as it always was.
 *
 * @param processes         processes of the run
 * @param workersPerProcess workers of each process
 */
record WorkerNames(int processes, int workersPerProcess) {
  static WorkerNames of(TestRun run) {
    return new WorkerNames(run.processes(), run.workers());
  }

  static WorkerNames of(SinkOutput<?> output) {
    return new WorkerNames(output.processes(), output.workers());
  }

  /** Whether names say the process: the run had several. */
  boolean namesProcesses() {
    return processes > 1;
  }

  /**
   * {@code 2 (process 1)}, or {@code 2} in one process: the index where a text says "worker" already.
   * A worker the run does not have (a crash point beyond its workers) is named by its index alone.
   */
  String index(int worker) {
    boolean exists = worker >= 0 && worker < processes * workersPerProcess;
    return index(worker, exists ? worker / workersPerProcess : 0, namesProcesses() && exists);
  }

  /** {@code worker 2 (process 1)}, or {@code worker 2} in one process. */
  String worker(int worker) {
    return "worker " + index(worker);
  }

  /** {@code worker 2 (process 1)} for one, else {@code workers [1 (process 0), 2 (process 1)]}, in index order. */
  String workers(Collection<Integer> workers) {
    if (workers.size() == 1) {
      return worker(workers.iterator().next());
    }
    List<String> names = new ArrayList<>();
    for (int w : new TreeSet<>(workers)) {
      names.add(index(w));
    }
    return "workers [" + String.join(", ", names) + "]";
  }

  /**
   * {@code worker 2 (process 1)} or {@code workers [..]} for the writers of {@code records}, each
   * with the process its record names (the sink saw it: right even where records of runs at
   * different worker counts are put together).
   */
  String writers(Collection<? extends Captured<?>> records) {
    TreeSet<Captured<?>> byWorker = new TreeSet<>(Comparator.<Captured<?>>comparingInt(Captured::worker)
        .thenComparingInt(Captured::process));
    byWorker.addAll(records);
    List<String> names = new ArrayList<>();
    for (Captured<?> c : byWorker) {
      names.add(index(c.worker(), c.process(), namesProcesses()));
    }
    return names.size() == 1 ? "worker " + names.get(0) : "workers [" + String.join(", ", names) + "]";
  }

  /** The worker that wrote {@code record}: {@code worker 2 (process 1)}, or {@code worker 2} in one process. */
  String writer(Captured<?> record) {
    return "worker " + index(record.worker(), record.process(), namesProcesses());
  }

  /**
   * Counts by global worker index, {@code [1000, 0, 0, 0]}; in several processes followed by which
   * workers each process has: {@code (process 0: workers 0..1, process 1: workers 2..3)}.
   */
  String perWorker(long[] counts) {
    String list = Arrays.toString(counts);
    if (!namesProcesses() || counts.length != processes * workersPerProcess) {
      return list;
    }
    List<String> groups = new ArrayList<>();
    for (int p = 0; p < processes; p++) {
      int first = p * workersPerProcess;
      int last = first + workersPerProcess - 1;
      groups.add("process " + p + ": " + (first == last ? "worker " + first : "workers " + first + ".." + last));
    }
    return list + " (" + String.join(", ", groups) + ")";
  }

  static String index(int worker, int process, boolean namesProcess) {
    return namesProcess ? worker + " (process " + process + ")" : String.valueOf(worker);
  }
}
