package io.sluice.transport;

import java.util.List;
import java.util.Map;

/**
 * How a process's runtime reaches the workers of other processes. The runtime sees peers only
 * through this: it offers batches, progress markers and end-of-stream markers addressed to (exchange step, sending
 * worker, receiving worker), and the transport delivers what arrives into the runtime's
 * {@link Inbound} channels. Per (step, from, to) channel, messages arrive in the order offered.
 *
 * <p>Lifecycle: {@link #start} connects to every peer (bounded; naming any peer that does not
 * appear), then workers run and offer concurrently from their threads; when this process's
 * workers are done, {@link #finish} tells the peers and waits for theirs; {@link #close} releases
 * everything. A lost peer, or a peer that reports a failure, is reported through
 * {@link Inbound#peerFailed}.
 */
public interface Transport extends AutoCloseable {

  /**
   * Connects to all peers and returns once every one is connected and runs the same dataflow.
   *
   * @throws TransportException naming the peers that did not appear in time, or what did not match
   */
  void start(ClusterSpec cluster, Inbound inbound);

  /**
   * After {@link #start}: what process {@code process} listed for each step with fixed partitions
   * ({@link ClusterSpec#partitions()} of that process; this process's own for its id).
   */
  Map<Integer, List<String>> partitionsOf(int process);

  /**
   * Offers a batch from local worker {@code from} to remote worker {@code to}; thread-safe. Returns
   * false, with nothing sent, when the peer cannot take it now (back-pressure): offer it again later.
   */
  boolean offerBatch(int step, int from, int to, long epoch, List<Object> items);

  /** Offers end-of-stream on the channel (step, from, to); false means "offer again later". */
  boolean offerEnd(int step, int from, int to);

  /**
   * Offers the progress marker "epoch {@code epoch} is closed on this channel; the sender's time is
   * {@code timeMillis}" (ms since 1970-01-01T00:00Z) on the channel (step, from, to), in order with
   * its batches; false means "offer again later".
   */
  boolean offerProgress(int step, int from, int to, long epoch, long timeMillis);

  /** This process's workers finished: tell the peers and wait (bounded) until every peer has too. */
  void finish();

  /** This process failed: tell the peers (best effort) so that they stop too. */
  void abort(Throwable cause);

  /**
   * This process was asked to stop early and gracefully ({@link io.sluice.run.RunningDataflow#stop}):
   * tell the peers, which stop the same way ({@link Inbound#stopRequested}). Best effort, once;
   * the default does nothing (a transport without it leaves the peers running until their sources end).
   */
  default void requestStop(String reason) {}

  /**
   * Called by every worker of this process on each pass of its loop, from the worker's own thread,
   * after it flushed its exchange output: the transport may do its own receiving and sending there
   * instead of on threads of its own ({@link io.sluice.run.TransportThreading#INVOKER}). Must not
   * block or wait: it returns at once (0) when another worker is doing it. Returns how much work it
   * did (0 = none), which the worker counts like its own before backing off. The default does nothing.
   */
  default int doWork() {
    return 0;
  }

  @Override
  void close();

  /** What the transport delivers into; implemented by the runtime. */
  interface Inbound {
    /** Whether channel (step, from, to) can take one more message now. */
    boolean hasRoom(int step, int from, int to);

    /** Delivers a batch; only called after {@link #hasRoom} said yes, from the transport's thread. */
    void deliverBatch(int step, int from, int to, long epoch, List<Object> items);

    /** Delivers end-of-stream; only called after {@link #hasRoom} said yes. */
    void deliverEnd(int step, int from, int to);

    /** Delivers a progress marker (see {@link Transport#offerProgress}); only called after {@link #hasRoom} said yes. */
    void deliverProgress(int step, int from, int to, long epoch, long timeMillis);

    /**
     * The cluster failed: a peer was lost or reported a failure, or this process could not take
     * what arrived (a batch it may not deserialize). The run must stop with this error.
     */
    void peerFailed(Throwable error);

    /** A peer was asked to stop early and gracefully: this process stops the same way. */
    default void stopRequested(String reason) {}
  }
}
