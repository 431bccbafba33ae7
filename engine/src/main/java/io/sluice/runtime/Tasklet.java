package io.sluice.runtime;

/**
 * A unit of cooperative work on a worker (like Agrona's {@code Agent}): each activation does a
 * bounded amount of work and returns how much, so the worker can back off when nothing happens.
 * Sources and the receiving side of exchanges are tasklets; everything else runs inside their
 * activations, pushed synchronously.
 */
interface Tasklet {
  /** Does at most one bounded piece of work; returns a positive number if it did any. */
  int doWork();

  boolean isDone();

  /** One line for a worker dump: what it is and what it waits on. */
  String describe();
}
