package io.sluice.windowing;

import java.util.List;

/**
 * The snapshot of one key's {@link SessionWindower}.
 *
 * @param maxId    the largest session id given so far ({@link SessionWindower#LATE_SESSION_ID} before the first)
 * @param sessions the open sessions, in the order they were opened
 */
public record SessionWindowerState(long maxId, List<Windowed<WindowMetadata>> sessions) implements java.io.Serializable {
  public SessionWindowerState {
    sessions = List.copyOf(sessions);
  }
}
