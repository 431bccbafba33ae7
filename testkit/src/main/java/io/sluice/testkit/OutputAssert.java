package io.sluice.testkit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.assertj.core.api.AbstractAssert;
import org.assertj.core.api.Assertions;
import org.assertj.core.api.ListAssert;

/**
 * Assertions on what one {@link TestSink} received in one run. A failure lists missing,
 * unexpected and duplicated items separately, with the workers unexpected and duplicated items
 * came from (in a run of several processes with each one's process: {@code worker 2 (process 1)}).
 *
 * <p>Order across workers depends on thread timing, so with several workers only
 * {@link #containsExactlyInAnyOrder any-order} and {@link #containsExactlyInOrderWithinKey
 * per-key order} are deterministic (a key's items all pass through the one worker that owns it).
 *
 * @param <T> the item type
 */
public final class OutputAssert<T> extends AbstractAssert<OutputAssert<T>, SinkOutput<T>> {
  OutputAssert(SinkOutput<T> actual) {
    super(actual, OutputAssert.class);
  }

  /** The received items, in arrival order, for any of AssertJ's list assertions. */
  public ListAssert<T> items() {
    isNotNull();
    return Assertions.assertThat(actual.items());
  }

  /** Exactly {@code expected}, each as many times as listed, in any order. */
  @SafeVarargs
  @SuppressWarnings("varargs") // the array is only read, through Arrays.asList
  public final OutputAssert<T> containsExactlyInAnyOrder(T... expected) {
    return containsExactlyInAnyOrderElementsOf(Arrays.asList(expected));
  }

  /** Exactly {@code expected}, each as many times as listed, in any order. */
  public OutputAssert<T> containsExactlyInAnyOrderElementsOf(Iterable<? extends T> expected) {
    isNotNull();
    List<T> want = toList(expected);
    Texts.Diff<T> diff = Texts.Diff.of(want, actual.items());
    if (!diff.isEmpty()) {
      fail("Expected " + actual.describe() + " to contain exactly (in any order) " + count(want.size())
          + ", but it received " + count(actual.size()) + ":" + describe(diff));
    }
    return this;
  }

  /**
   * Exactly {@code expected}, in this order of arrival. Deterministic with one worker, or when
   * everything reaches the sink through one worker.
   */
  @SafeVarargs
  @SuppressWarnings("varargs") // the array is only read, through Arrays.asList
  public final OutputAssert<T> containsExactly(T... expected) {
    return containsExactlyElementsOf(Arrays.asList(expected));
  }

  /** Exactly {@code expected}, in this order of arrival. */
  public OutputAssert<T> containsExactlyElementsOf(Iterable<? extends T> expected) {
    isNotNull();
    List<T> want = toList(expected);
    List<T> got = actual.items();
    Texts.Diff<T> diff = Texts.Diff.of(want, got);
    if (!diff.isEmpty()) {
      fail("Expected " + actual.describe() + " to contain exactly, in order, " + count(want.size())
          + ", but it received " + count(got.size()) + ":" + describe(diff));
    }
    for (int i = 0; i < want.size(); i++) {
      if (!Objects.equals(want.get(i), got.get(i))) {
        fail("Expected " + actual.describe() + " to contain exactly, in order, " + count(want.size())
            + "; it received the right items in another order. First difference at position " + i
            + ": expected " + Texts.item(want.get(i)) + " but received " + Texts.item(got.get(i))
            + " from " + names().writer(actual.records().get(i)) + "\n  expected: " + Texts.list(want) + "\n  received: "
            + Texts.list(got));
      }
    }
    return this;
  }

  /**
   * Exactly {@code expected} in any order overall, and for each key (by {@code keyFn}) that key's
   * items in the order {@code expected} lists them.
   */
  @SafeVarargs
  @SuppressWarnings("varargs") // the array is only read, through Arrays.asList
  public final OutputAssert<T> containsExactlyInOrderWithinKey(Function<? super T, ?> keyFn, T... expected) {
    return containsExactlyInOrderWithinKeyElementsOf(keyFn, Arrays.asList(expected));
  }

  /**
   * Exactly {@code expected} in any order overall, and for each key (by {@code keyFn}) that key's
   * items in the order {@code expected} lists them.
   */
  public OutputAssert<T> containsExactlyInOrderWithinKeyElementsOf(Function<? super T, ?> keyFn,
      Iterable<? extends T> expected) {
    containsExactlyInAnyOrderElementsOf(expected);
    Map<Object, List<T>> want = byKey(toList(expected), keyFn);
    Map<Object, List<T>> got = byKey(actual.items(), keyFn);
    List<String> wrong = new ArrayList<>();
    want.forEach((key, items) -> {
      List<T> g = got.get(key);
      if (!items.equals(g)) {
        wrong.add("key " + Texts.item(key) + ": expected " + Texts.list(items) + " but received " + Texts.list(g));
      }
    });
    if (!wrong.isEmpty()) {
      fail("Expected " + actual.describe() + " to keep each key's items in order; " + keys(wrong.size())
          + " arrived in another order:\n  " + String.join("\n  ", wrong.subList(0, Math.min(wrong.size(),
          Texts.MAX_LISTED))) + (wrong.size() > Texts.MAX_LISTED ? "\n  ... and " + (wrong.size() - Texts.MAX_LISTED)
          + " more" : ""));
    }
    return this;
  }

  /**
   * Each key's items (by {@code keyFn}) arrived in the order {@code order} defines (ties allowed),
   * whatever the order across keys.
   */
  public OutputAssert<T> isInOrderWithinKey(Function<? super T, ?> keyFn, Comparator<? super T> order) {
    isNotNull();
    List<String> wrong = new ArrayList<>();
    byKey(actual.items(), keyFn).forEach((key, items) -> {
      for (int i = 1; i < items.size(); i++) {
        if (order.compare(items.get(i - 1), items.get(i)) > 0) {
          wrong.add("key " + Texts.item(key) + ": " + Texts.item(items.get(i)) + " arrived after "
              + Texts.item(items.get(i - 1)) + " (key's items: " + Texts.list(items) + ")");
          break;
        }
      }
    });
    if (!wrong.isEmpty()) {
      fail("Expected " + actual.describe() + " to keep each key's items in order; " + keys(wrong.size())
          + " did not:\n  " + String.join("\n  ", wrong.subList(0, Math.min(wrong.size(), Texts.MAX_LISTED))));
    }
    return this;
  }

  /** No item arrived more than once. */
  public OutputAssert<T> hasNoDuplicates() {
    isNotNull();
    List<String> dups = new ArrayList<>();
    int total = 0;
    for (Map.Entry<T, Integer> e : Texts.counts(actual.items()).entrySet()) {
      if (e.getValue() > 1) {
        total++;
        if (dups.size() < Texts.MAX_LISTED) {
          dups.add(Texts.item(e.getKey()) + " received " + Texts.times(e.getValue()) + where(e.getKey()));
        }
      }
    }
    if (total > 0) {
      fail("Expected " + actual.describe() + " to have no duplicates, but " + total + (total == 1 ? " item" : " items")
          + " arrived more than once:\n  duplicated (" + total + "): " + Texts.plainList(dups, total));
    }
    return this;
  }

  /** Exactly {@code size} items arrived. */
  public OutputAssert<T> hasSize(int size) {
    isNotNull();
    if (actual.size() != size) {
      fail("Expected " + actual.describe() + " to receive " + count(size) + ", but it received "
          + count(actual.size()) + ": " + Texts.list(actual.items()));
    }
    return this;
  }

  /** Nothing arrived. */
  public OutputAssert<T> isEmpty() {
    return hasSize(0);
  }

  private void fail(String message) {
    failWithMessage("%s", message);
  }

  private String describe(Texts.Diff<T> diff) {
    return diff.describe("missing", "unexpected", this::where);
  }

  /**
   * {@code " from worker 2"} or {@code " from workers [0, 3]"}: where an item came from; in a run
   * of several processes with each worker's process, {@code " from worker 2 (process 1)"}.
   */
  private String where(Object item) {
    List<Captured<T>> from = new ArrayList<>();
    for (Captured<T> c : actual.records()) {
      if (Objects.equals(c.item(), item)) {
        from.add(c);
      }
    }
    return from.isEmpty() ? "" : " from " + names().writers(from);
  }

  private WorkerNames names() {
    return WorkerNames.of(actual);
  }

  private static String count(int n) {
    return n == 1 ? "1 item" : n + " items";
  }

  private static String keys(int n) {
    return n == 1 ? "1 key's items" : n + " keys' items";
  }

  private static <T> List<T> toList(Iterable<? extends T> items) {
    List<T> list = new ArrayList<>();
    items.forEach(list::add);
    return list;
  }

  private static <T> Map<Object, List<T>> byKey(List<T> items, Function<? super T, ?> keyFn) {
    Map<Object, List<T>> m = new LinkedHashMap<>();
    for (T item : items) {
      m.computeIfAbsent(identity(keyFn.apply(item)), k -> new ArrayList<>()).add(item);
    }
    return m;
  }

  /** Groups keys as keyed steps do (byte[] by content); a key Routing cannot place groups by equals. */
  private static Object identity(Object key) {
    try {
      return io.sluice.inputs.Routing.identity(key);
    } catch (IllegalArgumentException notRoutable) {
      return key;
    }
  }
}
