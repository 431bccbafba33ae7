package io.sluice.windowing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The windowers alone: which windows an item opens, when they close, merges, snapshots. */
class WindowersTest {
  static final Instant ALIGN = Instant.parse("2023-03-16T09:00:00Z");

  static Instant at(int minutes, int seconds) {
    return ALIGN.plus(Duration.ofMinutes(minutes).plusSeconds(seconds));
  }

  @Test
  void tumblingWindowsOpenInclusiveAndCloseExclusiveFromAlignTo() {
    WindowerLogic w = Windower.tumbling(Duration.ofMinutes(10), ALIGN).build(null);
    assertThat(w.openFor(at(0, 0))).containsExactly(0L);
    assertThat(w.openFor(at(9, 59))).containsExactly(0L);
    assertThat(w.openFor(at(10, 0))).containsExactly(1L);
    assertThat(w.openFor(at(-1, 0))).containsExactly(-1L);
    assertThat(w.notifyAt()).isEqualTo(ALIGN);
    assertThat(w.closeFor(at(9, 59))).extracting(Windowed::windowId).containsExactly(-1L);
    List<Windowed<WindowMetadata>> closed = w.closeFor(at(10, 0));
    assertThat(closed).containsExactly(new Windowed<>(0L, new WindowMetadata(at(0, 0), at(10, 0))));
    assertThat(w.notifyAt()).isEqualTo(at(20, 0));
    assertThat(w.snapshot()).isEqualTo(new SlidingWindowerState(List.of(1L)));
  }

  @Test
  void slidingWindowsOverlap() {
    WindowerLogic w = Windower.sliding(Duration.ofMinutes(10), Duration.ofMinutes(5), ALIGN).build(null);
    assertThat(w.openFor(at(7, 0))).containsExactly(0L, 1L);
    assertThat(w.openFor(at(5, 0))).containsExactly(0L, 1L);
    assertThat(w.openFor(at(4, 59))).containsExactly(-1L, 0L);
    assertThat(w.lateFor(at(12, 0))).containsExactly(1L, 2L);
    assertThat(w.closeFor(at(10, 0))).containsExactly(
        new Windowed<>(-1L, new WindowMetadata(at(-5, 0), at(5, 0))),
        new Windowed<>(0L, new WindowMetadata(at(0, 0), at(10, 0))));
  }

  @Test
  void slidingOffsetLongerThanLengthIsRefused() {
    assertThatThrownBy(() -> Windower.sliding(Duration.ofMinutes(5), Duration.ofMinutes(10), ALIGN))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gaps");
    assertThatThrownBy(() -> Windower.tumbling(Duration.ZERO, ALIGN))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tumbling window length");
    assertThatThrownBy(() -> Windower.session(Duration.ofMinutes(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative");
  }

  @Test
  void sessionsGrowWithinTheGapAndMergeWhenAnItemBridgesThem() {
    WindowerLogic w = Windower.session(Duration.ofMinutes(5)).build(null);
    assertThat(w.openFor(at(0, 0))).containsExactly(0L);
    assertThat(w.openFor(at(4, 0))).containsExactly(0L); // within the gap after close
    assertThat(w.openFor(at(12, 0))).containsExactly(1L); // 8 min after: new session
    assertThat(w.merged()).isEmpty();
    assertThat(w.openFor(at(8, 0))).containsExactly(0L); // 4 after 0's close; now 1 opens 4 after 0's close
    assertThat(w.merged()).containsExactly(new WindowerLogic.Merge(1L, 0L));
    assertThat(w.closeFor(at(17, 0))).isEmpty(); // close 12:00 + 5 = 17:00 not strictly passed
    assertThat(w.notifyAt()).isAfter(at(17, 0));
    assertThat(w.closeFor(at(17, 1))).containsExactly(
        new Windowed<>(0L, new WindowMetadata(at(0, 0), at(12, 0), List.of(1L))));
    assertThat(w.openFor(at(30, 0))).containsExactly(2L); // ids are never reused
    assertThat(w.lateFor(at(1, 0))).containsExactly(SessionWindower.LATE_SESSION_ID);
    assertThat(w.isEmpty()).isFalse();
  }

  @Test
  void sessionSnapshotRebuildsTheSameSessions() {
    SessionWindower windower = Windower.session(Duration.ofMinutes(5));
    WindowerLogic w = windower.build(null);
    w.openFor(at(0, 0));
    w.openFor(at(20, 0));
    WindowerLogic resumed = windower.build(w.snapshot());
    assertThat(resumed.snapshot()).isEqualTo(w.snapshot());
    assertThat(resumed.openFor(at(40, 0))).containsExactly(2L);
  }
}
