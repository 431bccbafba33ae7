package io.sluice.windowing;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.time.RunClock;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** EventClock's watermark rules, on a hand-moved RunClock. */
class EventClockTest {
  static final Instant T0 = Instant.parse("2023-03-16T09:00:00Z");
  /** The "system" time the test moves. */
  private Instant system = Instant.parse("2030-01-01T00:00:00Z");

  private void bind() {
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

  private final EventClock<Instant> clock = new EventClock<>(t -> t, Duration.ofSeconds(10));

  @Test
  void watermarkIsTheLargestTimestampMinusTheWaitAndAdvancesWithSystemTime() {
    bind();
    ClockLogic<Instant> c = clock.build(null);
    c.beforeBatch();
    assertThat(c.onItem(T0.plusSeconds(30))).isEqualTo(T0.plusSeconds(30));
    assertThat(c.watermark()).isEqualTo(T0.plusSeconds(20));
    c.onItem(T0.plusSeconds(25)); // older: watermark stays
    assertThat(c.watermark()).isEqualTo(T0.plusSeconds(20));
    system = system.plusSeconds(3);
    assertThat(c.onNotify()).isEqualTo(T0.plusSeconds(23));
    // when will the watermark reach T0+40s? after 20 more seconds of system time
    assertThat(c.toSystem(T0.plusSeconds(40))).isEqualTo(system.plusSeconds(17));
    system = system.minusSeconds(2); // system time going back does not move the watermark back
    assertThat(c.onNotify()).isEqualTo(T0.plusSeconds(23));
    assertThat(c.onEof()).isEqualTo(Instant.MAX);
    assertThat(c.onNotify()).isEqualTo(T0.plusSeconds(23));
  }

  @Test
  void aResumedClockContinuesFromWhereItStoppedNotByTheOutage() {
    bind();
    ClockLogic<Instant> c = clock.build(null);
    c.beforeBatch();
    c.onItem(T0.plusSeconds(30));
    system = system.plusSeconds(2);
    assertThat(c.onNotify()).isEqualTo(T0.plusSeconds(22));
    Object snapshot = c.snapshot();
    assertThat(snapshot).isEqualTo(new EventClockState(T0.plusSeconds(20), Duration.ofSeconds(2)));

    system = system.plus(Duration.ofHours(3)); // the outage
    ClockLogic<Instant> resumed = clock.build(snapshot);
    assertThat(resumed.onNotify()).isEqualTo(T0.plusSeconds(22));
    resumed.beforeBatch();
    resumed.onItem(T0.plusSeconds(25)); // replayed item: still on time
    assertThat(resumed.watermark()).isEqualTo(T0.plusSeconds(22));
  }

  @Test
  void beforeAnyItemTheWatermarkIsMinAndNothingNeedsWaking() {
    bind();
    ClockLogic<Instant> c = clock.build(null);
    assertThat(c.onNotify()).isEqualTo(Instant.MIN);
    assertThat(c.toSystem(T0)).isNull();
    assertThat(c.isEmpty()).isFalse();
  }
}
