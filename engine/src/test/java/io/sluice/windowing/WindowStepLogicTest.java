package io.sluice.windowing;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.dataflow.Retention;
import io.sluice.time.RunClock;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The window step's per-key logic on a hand-moved RunClock: where Sluice differs from Bytewax
 * (a key keeps its watermark after its windows close; a snapshot resumes without jumping).
 */
class WindowStepLogicTest {
  static final Instant T0 = Instant.parse("2023-03-16T09:00:00Z");
  private Instant system = Instant.parse("2030-01-01T00:00:00Z");

  @BeforeEach
  void bind() {
    RunClock.bind(new InstantSource() {
      @Override
      public Instant instant() {
        return system;
      }
    });
  }

  @AfterEach
  void unbind() {
    RunClock.bind(null);
  }

  private final EventClock<Instant> clock = new EventClock<>(t -> t, Duration.ZERO);
  private final Windower tumbling = Windower.tumbling(Duration.ofMinutes(1), T0);

  private WindowStepLogic<String, Instant, Long, Long> count(WindowSnapshot resume) {
    return new WindowStepLogic<>("k", clock, tumbling,
        (Long r) -> new FoldWindowLogic<Instant, Long>(r == null ? 0L : r, (n, v) -> n + 1, Long::sum, true), false,
        resume);
  }

  @Test
  void aKeyWhoseWindowsAllClosedKeepsItsWatermarkSoALaterOldItemIsLateNotAReopenedWindow() {
    WindowStepLogic<String, Instant, Long, Long> logic = count(null);
    List<WindowEvent> out = new ArrayList<>();
    assertThat(logic.onBatch(List.of(T0.plusSeconds(10)), out::add)).isEqualTo(Retention.RETAIN);
    // time passes: the watermark reaches the window's close, the timer fires
    assertThat(logic.notifyAt()).isEqualTo(system.plusSeconds(50));
    system = system.plusSeconds(50);
    Retention r = logic.onNotify(out::add);
    assertThat(out).containsExactly(new WindowEvent(WindowEvent.EMIT, 0, 1L),
        new WindowEvent(WindowEvent.META, 0, new WindowMetadata(T0, T0.plusSeconds(60))));
    // Bytewax drops the key here (watermark included); Sluice keeps it
    assertThat(r).isEqualTo(Retention.RETAIN);
    assertThat(logic.notifyAt()).isNull();
    out.clear();
    logic.onBatch(List.of(T0.plusSeconds(20)), out::add);
    assertThat(out).containsExactly(new WindowEvent(WindowEvent.LATE, 0, T0.plusSeconds(20)));
  }

  @Test
  void aSnapshotResumesTheWindowsAndTheWatermarkWithoutTheOutage() {
    WindowStepLogic<String, Instant, Long, Long> logic = count(null);
    List<WindowEvent> out = new ArrayList<>();
    logic.onBatch(List.of(T0.plusSeconds(10), T0.plusSeconds(30)), out::add);
    system = system.plusSeconds(5);
    logic.onNotify(out::add);
    WindowSnapshot snap = logic.snapshot();
    assertThat(snap.clockState()).isEqualTo(new EventClockState(T0.plusSeconds(30), Duration.ofSeconds(5)));
    assertThat(snap.windowerState()).isEqualTo(new SlidingWindowerState(List.of(0L)));
    assertThat(snap.windows()).containsExactly(new Windowed<>(0L, 2L));

    system = system.plus(Duration.ofHours(2)); // down for two hours
    WindowStepLogic<String, Instant, Long, Long> resumed = count(snap);
    // the watermark is 35 s, as when the snapshot was taken (Bytewax's would be 2 h later, making
    // every replayed item late): an item at 36 s is on time, one at 34 s late
    resumed.onBatch(List.of(T0.plusSeconds(36)), out::add);
    assertThat(out).isEmpty();
    resumed.onBatch(List.of(T0.plusSeconds(34)), out::add);
    assertThat(out).containsExactly(new WindowEvent(WindowEvent.LATE, 0, T0.plusSeconds(34)));
    assertThat(resumed.notifyAt()).isEqualTo(system.plusSeconds(24));
    resumed.onEof(out::add);
    assertThat(out).contains(new WindowEvent(WindowEvent.EMIT, 0, 3L));
  }

  @Test
  void aSystemClockKeyWithNoOpenWindowIsDropped() {
    WindowStepLogic<String, Instant, Long, Long> logic = new WindowStepLogic<>("k", new SystemClock<>(), tumbling,
        (Long r) -> new FoldWindowLogic<Instant, Long>(r == null ? 0L : r, (n, v) -> n + 1, Long::sum, true), false,
        null);
    List<WindowEvent> out = new ArrayList<>();
    assertThat(logic.onBatch(List.of(T0), out::add)).isEqualTo(Retention.RETAIN);
    system = system.plusSeconds(61);
    assertThat(logic.onNotify(out::add)).isEqualTo(Retention.DISCARD);
    assertThat(out).extracting(WindowEvent::kind).containsExactly(WindowEvent.EMIT, WindowEvent.META);
  }
}
