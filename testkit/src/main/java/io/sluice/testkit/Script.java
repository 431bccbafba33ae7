package io.sluice.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * The scripted contents of one {@link TestSource} partition: items, and markers between them.
 * <ul>
 *   <li>{@link #advance(Duration)} (or {@link #pause(Duration)}): the partition's time moves on by
 *       that much before its next item. Under the testkit's virtual time (the default) this happens
 *       at once: the partition closes an epoch, and every step after it sees the new time once all
 *       its inputs passed it, so timers, {@code collect} timeouts and windows up to that time fire
 *       before the next items, the same in every run. On the system clock the partition emits
 *       nothing for that long (without blocking its worker);</li>
 *   <li>{@link #endOfStream()}: the partition ends here; a run that resumes from a snapshot taken
 *       at that end continues with the entries after it (Bytewax's {@code TestingSource.EOF});</li>
 *   <li>{@link #abort()}: the run stops as if crashed ({@link SourceAbortedException}); an abort
 *       fires in a fresh run only, never in one resumed from a snapshot (Bytewax's
 *       {@code TestingSource.ABORT}).</li>
 * </ul>
 * Batches never span a marker. A script is a plain value: the same script gives the same items,
 * in the same order, in every run and at every worker count.
 *
 * <pre>{@code
 * Script<String> s = Script.of("a", "b").pause(Duration.ofMillis(20)).then("c").abort();
 * }</pre>
 *
 * @param <T> the item type
 */
public final class Script<T> {
  /** A marker between items. */
  sealed interface Marker permits Pause, EndOfStream, Abort {}

  record Pause(Duration duration) implements Marker {}

  record EndOfStream() implements Marker {}

  record Abort() implements Marker {}

  /** Items and {@link Marker}s, in order; items are wrapped so that a null item cannot pass for a marker. */
  private final List<Object> entries;

  private Script(List<Object> entries) {
    this.entries = entries;
  }

  /** A script of {@code items}. */
  @SafeVarargs
  @SuppressWarnings("varargs") // the array is only read, through Arrays.asList
  public static <T> Script<T> of(T... items) {
    return new Script<T>(List.of()).thenAll(Arrays.asList(items));
  }

  /** A script of {@code items}. */
  public static <T> Script<T> ofAll(Iterable<? extends T> items) {
    return new Script<T>(List.of()).thenAll(items);
  }

  /** This script followed by {@code items}. */
  @SafeVarargs
  @SuppressWarnings("varargs") // the array is only read, through Arrays.asList
  public final Script<T> then(T... items) {
    return thenAll(Arrays.asList(items));
  }

  /** This script followed by {@code items}. */
  public Script<T> thenAll(Iterable<? extends T> items) {
    List<Object> e = new ArrayList<>(entries);
    for (T item : items) {
      e.add(new Item(item));
    }
    return new Script<>(Collections.unmodifiableList(e));
  }

  /** This script, then {@code duration} in which the partition emits nothing. */
  public Script<T> pause(Duration duration) {
    Objects.requireNonNull(duration, "duration");
    if (duration.isNegative()) {
      throw new IllegalArgumentException("a pause cannot be negative: " + duration);
    }
    return with(new Pause(duration));
  }

  /**
   * This script, then the partition's time moves on by {@code duration}: at once under virtual
   * time (the testkit's default; timers and windows up to the new time fire before the next
   * items), after a real wait on the system clock. The same as {@link #pause(Duration)}.
   */
  public Script<T> advance(Duration duration) {
    return pause(duration);
  }

  /** This script, then the end of the partition: a fresh run reads no further; a resumed one goes on after it. */
  public Script<T> endOfStream() {
    return with(new EndOfStream());
  }

  /** This script, then an abort: the run stops as if crashed when the partition gets here. */
  public Script<T> abort() {
    return with(new Abort());
  }

  /** The items a run reads before the partition ends or aborts. */
  public List<T> itemsRead() {
    List<T> items = new ArrayList<>();
    for (Object e : entries) {
      if (e instanceof EndOfStream || e instanceof Abort) {
        break;
      }
      if (e instanceof Item i) {
        items.add(item(i));
      }
    }
    return items;
  }

  private Script<T> with(Marker m) {
    List<Object> e = new ArrayList<>(entries);
    e.add(m);
    return new Script<>(Collections.unmodifiableList(e));
  }

  List<Object> entries() {
    return entries;
  }

  @SuppressWarnings("unchecked")
  static <T> T item(Item i) {
    return (T) i.value();
  }

  /** An item entry. */
  record Item(Object value) {}

  @Override
  public String toString() {
    List<String> shown = new ArrayList<>();
    for (Object e : entries) {
      shown.add(e instanceof Item i ? Texts.item(i.value()) : e.toString());
    }
    return "Script" + Texts.plainList(shown, shown.size());
  }
}
