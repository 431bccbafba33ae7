package io.sluice.dataflow;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The state of an n-sided join for one key (Bytewax's {@code _JoinState}): the values kept of each
 * side, and the rows they make.
 */
final class JoinRows {
  private final List<List<Object>> seen;

  JoinRows(int sides) {
    seen = new ArrayList<>(sides);
    for (int i = 0; i < sides; i++) {
      seen.add(new ArrayList<>());
    }
  }

  JoinRows(StatefulLogics.JoinState state) {
    seen = new ArrayList<>(state.seen().size());
    for (List<Object> side : state.seen()) {
      seen.add(new ArrayList<>(side));
    }
  }

  StatefulLogics.JoinState snapshot() {
    List<List<Object>> copy = new ArrayList<>(seen.size());
    for (List<Object> side : seen) {
      copy.add(new ArrayList<>(side));
    }
    return new StatefulLogics.JoinState(copy);
  }

  int sides() {
    return seen.size();
  }

  void insert(JoinInsertMode mode, int side, Object value) {
    List<Object> values = seen.get(side);
    switch (mode) {
      case FIRST -> {
        if (values.isEmpty()) {
          values.add(value);
        }
      }
      case LAST -> {
        values.clear();
        values.add(value);
      }
      case PRODUCT -> values.add(value);
      default -> throw new IllegalStateException("unknown insert mode " + mode);
    }
  }

  /**
   * Takes in the values of {@code later}, a join state of a window that merged into this one:
   * FIRST keeps this one's value where it has one, LAST takes the later one's where it has one,
   * PRODUCT keeps both sides' values.
   */
  void merge(JoinInsertMode mode, JoinRows later) {
    for (int i = 0; i < seen.size(); i++) {
      List<Object> mine = seen.get(i);
      List<Object> theirs = later.seen.get(i);
      switch (mode) {
        case FIRST -> {
          if (mine.isEmpty()) {
            mine.addAll(theirs);
          }
        }
        case LAST -> {
          if (!theirs.isEmpty()) {
            mine.clear();
            mine.addAll(theirs);
          }
        }
        case PRODUCT -> mine.addAll(theirs);
        default -> throw new IllegalStateException("unknown insert mode " + mode);
      }
    }
  }

  boolean allSet() {
    for (List<Object> side : seen) {
      if (side.isEmpty()) {
        return false;
      }
    }
    return true;
  }

  boolean isEmpty() {
    for (List<Object> side : seen) {
      if (!side.isEmpty()) {
        return false;
      }
    }
    return true;
  }

  void clear() {
    for (List<Object> side : seen) {
      side.clear();
    }
  }

  /** Every combination of the sides' values, a side without values giving null; in side order. */
  List<List<Object>> rows() {
    List<List<Object>> rows = new ArrayList<>();
    rows.add(new ArrayList<>(seen.size()));
    for (List<Object> side : seen) {
      List<Object> values = side.isEmpty() ? Collections.singletonList(null) : side;
      List<List<Object>> next = new ArrayList<>(rows.size() * values.size());
      for (List<Object> row : rows) {
        for (Object v : values) {
          List<Object> r = new ArrayList<>(seen.size());
          r.addAll(row);
          r.add(v);
          next.add(r);
        }
      }
      rows = next;
    }
    return rows;
  }

  /** Emits the rows {@code emit} calls for after a value or merge; clears them in COMPLETE mode. */
  void emitAfterChange(JoinMode emit, java.util.function.Consumer<? super List<Object>> out) {
    if (emit == JoinMode.COMPLETE && allSet()) {
      rows().forEach(out);
      clear();
    } else if (emit == JoinMode.RUNNING) {
      rows().forEach(out);
    }
  }
}
