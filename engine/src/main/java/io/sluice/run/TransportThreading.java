package io.sluice.run;

/**
 * Which threads run the cross-process transport's own work in a run over several processes: the
 * embedded media driver (sending, receiving, its conductor), the transport client's conductor, and
 * the poller that takes arrived batches into the workers' channels. Named after Aeron's
 * {@code ThreadingMode} (the Aeron transport maps them onto it); a run in one process has no
 * transport and ignores it. Measured in docs/PERFORMANCE.md, "Fewer threads per hop".
 */
public enum TransportThreading {
  /**
   * Threads of their own: the media driver's conductor, sender and receiver share one thread
   * (Aeron's {@code SHARED}); the client's conductor and the poller have one each. A batch from a
   * worker of one process reaches a worker of another through the driver's thread and the poller's
   * thread. The default; suits processes with several workers and machines with cores to spare.
   */
  SHARED,
  /**
   * No threads of their own while workers run: every worker of the process, on each pass of its
   * loop, runs the media driver's work (Aeron's {@code INVOKER}), the client conductor's and the
   * poller's, whichever worker comes first (one at a time). A batch crosses from one worker's
   * thread to the other's with no thread between them. A backstop thread, asleep almost always, does
   * the same work when no worker has for a few milliseconds (every worker is inside user code, or
   * done), so inbound batches and heartbeats never wait on a busy worker for long. For processes
   * with fewer cores than polling threads; a worker's pass costs a few µs more.
   */
  INVOKER
}
