package io.sluice.windowing;

import java.time.Instant;
import java.util.List;

/**
 * The snapshot of one key of a window step: its clock, its windower, each open window's logic
 * state, and the items waiting for the watermark (ordered steps).
 *
 * @param clockState    the clock's snapshot
 * @param windowerState the windower's snapshot
 * @param windows       each open window's logic snapshot, by window id
 * @param queue         items not yet applied, with their timestamps, in arrival order
 */
public record WindowSnapshot(Object clockState, Object windowerState, List<Windowed<Object>> windows,
    List<Queued> queue) implements java.io.Serializable {

  /** An item waiting in an ordered window step until the watermark reaches its timestamp. */
  public record Queued(Object value, Instant timestamp) implements java.io.Serializable {}
}
