package io.sluice.windowing;

import java.time.Duration;
import java.time.Instant;

/**
 * The snapshot of one key's {@link EventClock}: enough to continue the watermark from where it
 * stopped, and no absolute system time. (Bytewax stores the system time at which the largest
 * timestamp was seen, so after a resume the watermark jumps forward by the outage; here the clock
 * is rebuilt with that instant set to "now at restore minus {@code systemSinceMax}".)
 *
 * @param watermarkBase  the largest timestamp seen minus the wait; {@code null} before the first item
 * @param systemSinceMax system time that had passed since that item when the snapshot was taken
 *                       (not negative)
 */
public record EventClockState(Instant watermarkBase, Duration systemSinceMax) implements java.io.Serializable {}
