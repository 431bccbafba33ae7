package io.sluice.windowing;

import java.util.List;

/**
 * The snapshot of one key's {@link SlidingWindower} or {@link TumblingWindower}: the ids of its
 * open windows, ascending (their times follow from the windower's settings).
 */
public record SlidingWindowerState(List<Long> openIds) implements java.io.Serializable {
  public SlidingWindowerState {
    openIds = List.copyOf(openIds);
  }
}
