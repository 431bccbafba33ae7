package io.sluice.windowing;

import io.sluice.serde.SerdeTypes;
import java.util.List;

/**
 * The windowing types for {@link SerdeTypes}: window results, the window step's events and
 * snapshots cross processes without registration. Found by {@link java.util.ServiceLoader}; not
 * for direct use. Add a new windowing item type here.
 */
public final class WindowingSerdeTypes implements SerdeTypes {
  @Override
  public List<Class<?>> types() {
    return List.of(
        Windowed.class,
        WindowMetadata.class,
        WindowEvent.class,
        WindowSnapshot.class,
        WindowSnapshot.Queued.class,
        EventClockState.class,
        SlidingWindowerState.class,
        SessionWindowerState.class);
  }
}
