package io.sluice.dataflow;

/**
 * Where step code runs: the worker executing it. Read by operators that record where an item
 * failed ({@link StepError#worker()}); user code may read it too.
 */
public final class StepContext {
  private static final ThreadLocal<Integer> WORKER = new ThreadLocal<>();

  private StepContext() {}

  /** The global index of the worker running the calling thread's step code, or -1 off worker threads. */
  public static int worker() {
    Integer w = WORKER.get();
    return w == null ? -1 : w;
  }

  /** Runtime use: the calling thread is worker {@code worker} (negative: no worker). */
  public static void bindWorker(int worker) {
    if (worker < 0) {
      WORKER.remove();
    } else {
      WORKER.set(worker);
    }
  }
}
