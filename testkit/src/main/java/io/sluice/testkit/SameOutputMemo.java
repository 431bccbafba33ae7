package io.sluice.testkit;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What {@link DataflowAssert#hasSameOutputAtEveryWorkerCount} compared in one {@link DataflowTest}
 * method, shared by the method's invocations: the first invocation runs every worker count and
 * keeps the reference output; the others run only their own worker count and compare with it.
 */
final class SameOutputMemo {
  /** The reference output of one comparison: the items at the first worker count. */
  record Reference(int workers, List<?> items) {}

  private final Map<String, Reference> references = new ConcurrentHashMap<>();

  /** The key of one comparison: the process count, the flow and the sink's output steps. */
  static String key(int processes, String flowName, String sinkLabel) {
    return processes + "|" + flowName + "|" + sinkLabel;
  }

  Reference get(String key) {
    return references.get(key);
  }

  void put(String key, Reference reference) {
    references.putIfAbsent(key, reference);
  }
}
