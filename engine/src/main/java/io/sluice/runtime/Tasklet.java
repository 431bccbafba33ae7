package io.sluice.runtime;

/**
 * A unit of cooperative work on a worker (like Agrona's {@code Agent}): each activation does a
 * bounded amount of work and returns how much, so the worker can back off when nothing happens.
 * Sources and the receiving side of exchanges are tasklets; everything else runs inside their
 * activations, pushed synchronously.
 *
 * <p>Epochs: a tasklet closes the worker's open epoch by passing its progress marker downstream
 * ({@link #closedEpoch()} then equals it) and does nothing more until the worker opens the next
 * one, which it does once every tasklet closed the epoch ({@link #epochOpened}). So no step on the
 * worker sees an item of the next epoch before every input of it delivered the close of this one.
 */
interface Tasklet {
  /** Does at most one bounded piece of work; returns a positive number if it did any. */
  int doWork();

  boolean isDone();

  /** One line for a worker dump: what it is and what it waits on. */
  String describe();

  /** The last epoch this tasklet closed. */
  long closedEpoch();

  /** The worker opened epoch {@code open}: a tasklet that closed the previous one goes on. */
  void epochOpened(long open);

  /** Under virtual time, this tasklet's time (ms since 1970-01-01T00:00Z): what its steps see as now. */
  long timeMillis();
}
