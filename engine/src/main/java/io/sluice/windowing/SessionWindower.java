package io.sluice.windowing;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Bytewax's {@code SessionWindower}: a session is a run of items whose timestamps are at most
 * {@code gap} apart. An item within {@code gap} of an open session joins it (extending its open or
 * close time); an item that brings two sessions within {@code gap} of each other merges them into
 * the earlier-opening one (its {@link WindowMetadata#mergedIds()} lists the merged ids, and the
 * window logic's {@link WindowLogic#onMerge} combines their state). A session closes once the
 * watermark is more than {@code gap} past its last item. Session ids count up per key from 0;
 * late items get {@link #LATE_SESSION_ID}. A key's session windower is never dropped, so ids are
 * never reused.
 *
 * @param gap the inactivity that ends a session; not negative
 */
public record SessionWindower(Duration gap) implements Windower {
  /** The window id given to late items (Bytewax's {@code LATE_SESSION_ID}). */
  public static final long LATE_SESSION_ID = -1;

  public SessionWindower {
    Objects.requireNonNull(gap, "gap");
    if (gap.isNegative()) {
      throw new IllegalArgumentException("session window gap must not be negative, got " + gap);
    }
  }

  @Override
  public WindowerLogic build(Object resumeState) {
    if (resumeState != null && !(resumeState instanceof SessionWindowerState)) {
      throw new IllegalArgumentException("SessionWindower cannot resume from a " + resumeState.getClass().getName()
          + " (the window step's windower changed between runs?)");
    }
    return new Logic(gap, (SessionWindowerState) resumeState);
  }

  /** One open session. */
  private static final class Session {
    Instant open;
    Instant close;
    final TreeSet<Long> merged = new TreeSet<>();

    Session(Instant open, Instant close) {
      this.open = open;
      this.close = close;
    }

    WindowMetadata meta() {
      return new WindowMetadata(open, close, new ArrayList<>(merged));
    }
  }

  static final class Logic implements WindowerLogic {
    private final Duration gap;
    private long maxId = LATE_SESSION_ID;
    private final Map<Long, Session> sessions = new LinkedHashMap<>();
    private List<Merge> mergeQueue = new ArrayList<>();

    Logic(Duration gap, SessionWindowerState resume) {
      this.gap = gap;
      if (resume != null) {
        maxId = resume.maxId();
        for (Windowed<WindowMetadata> s : resume.sessions()) {
          Session session = new Session(s.value().openTime(), s.value().closeTime());
          session.merged.addAll(s.value().mergedIds());
          sessions.put(s.windowId(), session);
        }
      }
    }

    private boolean withinGap(Instant from, Instant to) {
      // 0 < to - from <= gap
      return to.isAfter(from) && Times.between(from, to).compareTo(gap) <= 0;
    }

    @Override
    public List<Long> openFor(Instant timestamp) {
      for (Map.Entry<Long, Session> e : sessions.entrySet()) {
        Session s = e.getValue();
        long id = e.getKey();
        if (!timestamp.isBefore(s.open) && !timestamp.isAfter(s.close)) {
          return List.of(id);
        }
        if (withinGap(timestamp, s.open)) {
          s.open = timestamp;
          findMerges();
          return List.of(id);
        }
        if (withinGap(s.close, timestamp)) {
          s.close = timestamp;
          findMerges();
          return List.of(id);
        }
      }
      maxId++;
      sessions.put(maxId, new Session(timestamp, timestamp));
      return List.of(maxId);
    }

    /** Merges sessions that now lie within the gap of each other into the earliest-opening one. */
    private void findMerges() {
      if (sessions.size() < 2) {
        return;
      }
      List<Map.Entry<Long, Session>> sorted = new ArrayList<>(sessions.entrySet());
      sorted.sort(Comparator.comparing((Map.Entry<Long, Session> e) -> e.getValue().open)); // stable
      long lastId = sorted.get(0).getKey();
      Session last = sorted.get(0).getValue();
      for (int i = 1; i < sorted.size(); i++) {
        long thisId = sorted.get(i).getKey();
        Session s = sorted.get(i).getValue();
        if (Times.between(last.close, s.open).compareTo(gap) <= 0) {
          last.close = Times.max(last.close, s.close);
          last.merged.add(thisId);
          last.merged.addAll(s.merged);
          mergeQueue.add(new Merge(thisId, lastId));
          sessions.remove(thisId);
        } else {
          lastId = thisId;
          last = s;
        }
      }
    }

    @Override
    public List<Long> lateFor(Instant timestamp) {
      return List.of(LATE_SESSION_ID);
    }

    @Override
    public List<Merge> merged() {
      if (mergeQueue.isEmpty()) {
        return List.of();
      }
      List<Merge> out = mergeQueue;
      mergeQueue = new ArrayList<>();
      return out;
    }

    @Override
    public List<Windowed<WindowMetadata>> closeFor(Instant watermark) {
      Instant closeBefore = Times.minus(watermark, gap);
      List<Windowed<WindowMetadata>> closed = null;
      for (Iterator<Map.Entry<Long, Session>> it = sessions.entrySet().iterator(); it.hasNext(); ) {
        Map.Entry<Long, Session> e = it.next();
        if (e.getValue().close.isBefore(closeBefore)) {
          if (closed == null) {
            closed = new ArrayList<>();
          }
          closed.add(new Windowed<>(e.getKey(), e.getValue().meta()));
          it.remove();
        }
      }
      if (closed == null) {
        return List.of();
      }
      closed.sort(Comparator.comparingLong(Windowed::windowId));
      return closed;
    }

    @Override
    public Instant notifyAt() {
      Instant min = null;
      for (Session s : sessions.values()) {
        if (min == null || s.close.isBefore(min)) {
          min = s.close;
        }
      }
      // closes once the watermark is strictly past close + gap; the next microsecond suffices
      return min == null ? null : Times.plus(Times.plus(min, gap), Duration.ofNanos(1_000));
    }

    @Override
    public boolean isEmpty() {
      return false;
    }

    @Override
    public SessionWindowerState snapshot() {
      List<Windowed<WindowMetadata>> list = new ArrayList<>(sessions.size());
      sessions.forEach((id, s) -> list.add(new Windowed<>(id, s.meta())));
      return new SessionWindowerState(maxId, list);
    }
  }
}
