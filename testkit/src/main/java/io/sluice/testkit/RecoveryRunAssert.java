package io.sluice.testkit;

import java.util.List;
import java.util.Map;
import org.assertj.core.api.AbstractAssert;

/** Assertions on a {@link RecoveryRun}; failure messages list lost and duplicated items separately, each with its epoch. */
public final class RecoveryRunAssert<T> extends AbstractAssert<RecoveryRunAssert<T>, RecoveryRun<T>> {
  RecoveryRunAssert(RecoveryRun<T> actual) {
    super(actual, RecoveryRunAssert.class);
  }

  /** Every item of the uninterrupted run was written by the crashed or the resumed run. */
  public RecoveryRunAssert<T> lostNothing() {
    isNotNull();
    List<Captured<T>> lost = actual.lost();
    if (!lost.isEmpty()) {
      List<Captured<T>> instead = actual.unexpected();
      String written = instead.isEmpty() ? "" : String.format("%nwritten instead, never by the uninterrupted run"
          + " (%d, each with its epoch where written):%n  %s", instead.size(), describe(instead, names()));
      failWithMessage("%s: lost %d items (each with its epoch in the uninterrupted run):%n  %s%s%nresumed from epoch %d",
          actual.reference().label(), lost.size(), describe(lost, names()), written, actual.resumeEpoch());
    }
    return this;
  }

  /** Items written twice were first written after the last complete snapshot (at-least-once, no more). */
  public RecoveryRunAssert<T> duplicatedOnlyAfterTheSnapshot() {
    isNotNull();
    List<Captured<T>> bad = actual.duplicatedBeforeTheSnapshot();
    if (!bad.isEmpty()) {
      failWithMessage("%s: %d items were written again although the snapshot of epoch %d covered them:%n  %s",
          actual.reference().label(), bad.size(), actual.resumeEpoch(), describe(bad, names()));
    }
    return this;
  }

  /** Nothing was written twice (for exactly-once sinks, or a crash right at an epoch's close). */
  public RecoveryRunAssert<T> duplicatedNothing() {
    isNotNull();
    if (!actual.duplicated().isEmpty()) {
      failWithMessage("%s: %d items were written twice (each where it was written first):%n  %s",
          actual.reference().label(), actual.duplicated().size(), describe(actual.duplicated(), names()));
    }
    return this;
  }

  /** For {@code KV} outputs: the last value of every key equals the uninterrupted run's. */
  public RecoveryRunAssert<T> endsInTheSameStateAsTheUninterruptedRun() {
    isNotNull();
    Map<Object, List<Object>> diff = actual.finalStateDifferences();
    if (!diff.isEmpty()) {
      StringBuilder sb = new StringBuilder();
      diff.forEach((k, v) -> sb.append("\n  ").append(Texts.item(k)).append(": expected ").append(Texts.item(v.get(0)))
          .append(", got ").append(Texts.item(v.get(1))));
      failWithMessage("%s: %d keys end differently from the uninterrupted run:%s", actual.reference().label(),
          diff.size(), sb.toString());
    }
    return this;
  }

  /**
   * Names workers with their process ({@code worker 2 (process 1)}) if any of the compared runs had
   * several processes; each record names its own process.
   */
  private WorkerNames names() {
    WorkerNames widest = WorkerNames.of(actual.reference());
    for (SinkOutput<T> o : List.of(actual.crashed(), actual.resumed())) {
      if (o.processes() > widest.processes()) {
        widest = WorkerNames.of(o);
      }
    }
    return widest;
  }

  private static String describe(List<? extends Captured<?>> items, WorkerNames names) {
    StringBuilder sb = new StringBuilder();
    int n = 0;
    for (Captured<?> c : items) {
      if (n++ == 20) {
        sb.append("\n  ... and ").append(items.size() - 20).append(" more");
        break;
      }
      sb.append(n == 1 ? "" : "\n  ").append(Texts.item(c.item())).append(" (epoch ").append(c.epoch())
          .append(", ").append(names.writer(c)).append(')');
    }
    return sb.toString();
  }
}
