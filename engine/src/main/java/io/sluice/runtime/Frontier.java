package io.sluice.runtime;

import java.util.Arrays;

/**
 * The progress of a step instance with several inputs: per input, the last epoch it closed and the
 * time it reported, or that it ended. The instance's own progress is the smallest over its open
 * inputs (an ended input has passed every epoch and every time).
 */
final class Frontier {
  static final long ENDED = Long.MAX_VALUE;
  private final long[] epochs;
  private final long[] times;
  private long closed;

  Frontier(int inputs, long startEpoch, long startTime) {
    epochs = new long[inputs];
    times = new long[inputs];
    Arrays.fill(epochs, startEpoch);
    Arrays.fill(times, startTime);
    closed = startEpoch;
  }

  /** Input {@code input} closed {@code epoch} at {@code time}; true if the instance's closed epoch moved. */
  boolean close(int input, long epoch, long time) {
    epochs[input] = epoch;
    times[input] = time;
    return advance();
  }

  /** Input {@code input} ended; true if the instance's closed epoch moved. */
  boolean end(int input) {
    epochs[input] = ENDED;
    times[input] = ENDED;
    return advance();
  }

  private boolean advance() {
    long min = ENDED;
    for (long e : epochs) {
      min = Math.min(min, e);
    }
    if (min != ENDED && min > closed) {
      closed = min;
      return true;
    }
    return false;
  }

  /** The last epoch every input closed. */
  long closedEpoch() {
    return closed;
  }

  /** The smallest time over the open inputs ({@link #ENDED} if all ended). */
  long time() {
    long min = ENDED;
    for (int i = 0; i < times.length; i++) {
      min = Math.min(min, times[i]);
    }
    return min;
  }
}
