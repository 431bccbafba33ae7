package io.sluice.testkit;

import io.sluice.dataflow.KV;
import io.sluice.windowing.Windowed;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.assertj.core.api.AbstractAssert;

/**
 * Assertions on what a windowing step wrote (its {@code down} stream, or its {@code late} stream),
 * read per key and window: {@code assertThatWindows(run.output(down)).hasResult("alice", 0, 3L)}.
 * Failure messages name the key and the window and show what arrived instead.
 *
 * @param <K> the key type
 * @param <W> the value type per window (a result, or a late item)
 */
public final class WindowsAssert<K, W> extends AbstractAssert<WindowsAssert<K, W>, SinkOutput<KV<K, Windowed<W>>>> {
  WindowsAssert(SinkOutput<KV<K, Windowed<W>>> actual) {
    super(actual, WindowsAssert.class);
  }

  /** The values written for each key and window, in arrival order. */
  public Map<K, Map<Long, List<W>>> byKeyAndWindow() {
    Map<K, Map<Long, List<W>>> all = new LinkedHashMap<>();
    for (KV<K, Windowed<W>> kv : actual.items()) {
      all.computeIfAbsent(kv.key(), k -> new LinkedHashMap<>())
          .computeIfAbsent(kv.value().windowId(), w -> new ArrayList<>()).add(kv.value().value());
    }
    return all;
  }

  /** Exactly one value was written for {@code key} and window {@code windowId}, and it equals {@code value}. */
  public WindowsAssert<K, W> hasResult(K key, long windowId, W value) {
    isNotNull();
    Map<Long, List<W>> windows = byKeyAndWindow().getOrDefault(key, Map.of());
    List<W> got = windows.getOrDefault(windowId, List.of());
    if (got.size() != 1 || !Objects.equals(got.get(0), value)) {
      failWithMessage("%s: expected key %s, window %d to have %s, but it has %s (that key's windows: %s)",
          actual.describe(), Texts.item(key), windowId, Texts.item(value), got.isEmpty() ? "nothing" : Texts.list(got),
          windows.isEmpty() ? "none" : windows.toString());
    }
    return this;
  }

  /**
   * Exactly these values per key and window, no other key or window, one value each (for the
   * {@code late} stream, where a window may have several, use {@link #hasExactlyLists}).
   */
  public WindowsAssert<K, W> hasExactlyResults(Map<K, Map<Long, W>> expected) {
    Map<K, Map<Long, List<W>>> lists = new LinkedHashMap<>();
    expected.forEach((k, ws) -> ws.forEach((w, v) -> lists.computeIfAbsent(k, x -> new LinkedHashMap<>())
        .put(w, List.of(v))));
    return hasExactlyLists(lists);
  }

  /** Exactly these values, in this order, per key and window, and no other key or window. */
  public WindowsAssert<K, W> hasExactlyLists(Map<K, Map<Long, List<W>>> expected) {
    isNotNull();
    Map<K, Map<Long, List<W>>> got = byKeyAndWindow();
    List<String> wrong = new ArrayList<>();
    expected.forEach((k, ws) -> ws.forEach((w, want) -> {
      List<W> have = got.getOrDefault(k, Map.of()).get(w);
      if (have == null) {
        wrong.add("missing: key " + Texts.item(k) + ", window " + w + ": " + Texts.list(want));
      } else if (!have.equals(want)) {
        wrong.add("different: key " + Texts.item(k) + ", window " + w + ": expected " + Texts.list(want) + ", got "
            + Texts.list(have));
      }
    }));
    got.forEach((k, ws) -> ws.forEach((w, have) -> {
      if (!expected.getOrDefault(k, Map.of()).containsKey(w)) {
        wrong.add("unexpected: key " + Texts.item(k) + ", window " + w + ": " + Texts.list(have));
      }
    }));
    if (!wrong.isEmpty()) {
      failWithMessage("%s: %d windows differ:%n  %s", actual.describe(), wrong.size(), String.join("\n  ", wrong));
    }
    return this;
  }

  /** Nothing was written (e.g. a {@code late} stream with no late items). */
  public WindowsAssert<K, W> hasNone() {
    isNotNull();
    if (actual.size() > 0) {
      failWithMessage("%s: expected nothing, got %s", actual.describe(), byKeyAndWindow());
    }
    return this;
  }
}
