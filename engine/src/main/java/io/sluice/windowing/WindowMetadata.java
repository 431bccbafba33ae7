package io.sluice.windowing;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What a window covered, emitted on the {@link WindowOut#meta() meta} stream when it closes
 * (Bytewax's {@code WindowMetadata}). For tumbling and sliding windows the open time is inclusive
 * and the close time exclusive; for session windows both are the timestamps of the session's first
 * and last item (inclusive).
 *
 * @param openTime  when the window opens
 * @param closeTime when the window closes
 * @param mergedIds ids of the session windows merged into this one, ascending; empty for other windows
 */
public record WindowMetadata(Instant openTime, Instant closeTime, List<Long> mergedIds)
    implements java.io.Serializable {
  public WindowMetadata {
    Objects.requireNonNull(openTime, "openTime");
    Objects.requireNonNull(closeTime, "closeTime");
    mergedIds = mergedIds == null ? List.of() : List.copyOf(mergedIds);
  }

  /** A window that merged nothing. */
  public WindowMetadata(Instant openTime, Instant closeTime) {
    this(openTime, closeTime, List.of());
  }
}
