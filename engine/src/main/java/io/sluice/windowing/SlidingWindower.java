package io.sluice.windowing;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Bytewax's {@code SlidingWindower}: windows of {@code length} starting every {@code offset},
 * one of them at {@code alignTo}. Window {@code n} covers
 * {@code [alignTo + n·offset, alignTo + n·offset + length)} (open inclusive, close exclusive), so
 * with {@code offset < length} an item belongs to several windows; {@code offset == length} is
 * {@link TumblingWindower}. A window closes once the watermark reaches its close time. Times are
 * divided at microsecond precision, as in Bytewax.
 *
 * @param length  window length; positive
 * @param offset  time between the starts of adjacent windows; positive and at most {@code length}
 *                (a larger offset would leave gaps that lose items)
 * @param alignTo an instant at which a window starts (e.g. the epoch, or an hour boundary)
 */
public record SlidingWindower(Duration length, Duration offset, Instant alignTo) implements Windower {
  public SlidingWindower {
    Objects.requireNonNull(length, "length");
    Objects.requireNonNull(offset, "offset");
    Objects.requireNonNull(alignTo, "alignTo");
    if (length.isNegative() || length.isZero() || offset.isNegative() || offset.isZero()) {
      throw new IllegalArgumentException("sliding window length and offset must be positive, got length "
          + length + " and offset " + offset);
    }
    if (offset.compareTo(length) > 0) {
      throw new IllegalArgumentException("sliding window offset " + offset + " can't be longer than length "
          + length + "; there would be gaps between windows");
    }
    if (Times.floorMicros(offset) == 0) {
      throw new IllegalArgumentException("sliding window offset must be at least 1 microsecond, got " + offset);
    }
  }

  @Override
  public WindowerLogic build(Object resumeState) {
    return new Logic(length, offset, alignTo, state(resumeState, "SlidingWindower"));
  }

  static SlidingWindowerState state(Object resumeState, String what) {
    if (resumeState != null && !(resumeState instanceof SlidingWindowerState)) {
      throw new IllegalArgumentException(what + " cannot resume from a " + resumeState.getClass().getName()
          + " (the window step's windower changed between runs?)");
    }
    return (SlidingWindowerState) resumeState;
  }

  /** Tumbling and sliding windows: open window ids, ascending. */
  static final class Logic implements WindowerLogic {
    private final Duration length;
    private final Duration offset;
    private final Instant alignTo;
    private final long lengthMicros;
    private final long offsetMicros;
    private final TreeSet<Long> open = new TreeSet<>();

    Logic(Duration length, Duration offset, Instant alignTo, SlidingWindowerState resume) {
      this.length = length;
      this.offset = offset;
      this.alignTo = alignTo;
      this.lengthMicros = Times.floorMicros(length);
      this.offsetMicros = Times.floorMicros(offset);
      if (resume != null) {
        open.addAll(resume.openIds());
      }
    }

    /** Ids of the windows that contain {@code timestamp}, ascending. */
    List<Long> intersects(Instant timestamp) {
      long since = Times.floorMicros(Times.between(alignTo, timestamp));
      long first = Math.floorDiv(Math.subtractExact(since, lengthMicros), offsetMicros) + 1;
      long last = Math.floorDiv(since, offsetMicros);
      List<Long> ids = new ArrayList<>((int) Math.max(1, last - first + 1));
      for (long id = first; id <= last; id++) {
        ids.add(id);
      }
      return ids;
    }

    WindowMetadata metadataFor(long id) {
      Instant open;
      try {
        // long arithmetic (Duration.multipliedBy goes through BigDecimal: 15 % of a NEXMark Q5 profile)
        open = alignTo.plusSeconds(Math.multiplyExact(offset.getSeconds(), id))
            .plusNanos(Math.multiplyExact((long) offset.getNano(), id));
      } catch (ArithmeticException | java.time.DateTimeException overflow) {
        try {
          open = alignTo.plus(offset.multipliedBy(id));
        } catch (ArithmeticException | java.time.DateTimeException e) {
          open = id < 0 ? Instant.MIN : Instant.MAX;
        }
      }
      return new WindowMetadata(open, Times.plus(open, length));
    }

    private Instant closeOf(long id) {
      return metadataFor(id).closeTime();
    }

    @Override
    public List<Long> openFor(Instant timestamp) {
      List<Long> ids = intersects(timestamp);
      open.addAll(ids);
      return ids;
    }

    @Override
    public List<Long> lateFor(Instant timestamp) {
      return intersects(timestamp);
    }

    @Override
    public List<Merge> merged() {
      return List.of();
    }

    @Override
    public List<Windowed<WindowMetadata>> closeFor(Instant watermark) {
      List<Windowed<WindowMetadata>> closed = null;
      for (Iterator<Long> it = open.iterator(); it.hasNext(); ) {
        long id = it.next();
        WindowMetadata meta = metadataFor(id);
        if (meta.closeTime().isAfter(watermark)) {
          break; // close times grow with the id
        }
        it.remove();
        if (closed == null) {
          closed = new ArrayList<>();
        }
        closed.add(new Windowed<>(id, meta));
      }
      return closed == null ? List.of() : closed;
    }

    @Override
    public Instant notifyAt() {
      return open.isEmpty() ? null : closeOf(open.first());
    }

    @Override
    public boolean isEmpty() {
      return open.isEmpty();
    }

    @Override
    public SlidingWindowerState snapshot() {
      return new SlidingWindowerState(new ArrayList<>(open));
    }
  }
}
