package io.sluice.aeron;

import io.aeron.Aeron;
import io.aeron.ControlledFragmentAssembler;
import io.aeron.FragmentAssembler;
import io.aeron.Image;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.exceptions.AeronException;
import io.aeron.logbuffer.ControlledFragmentHandler.Action;
import io.aeron.logbuffer.Header;
import io.sluice.run.TransportThreading;
import io.sluice.serde.Serde;
import io.sluice.transport.ClusterSpec;
import io.sluice.transport.Transport;
import io.sluice.transport.TransportException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Transport} over Aeron UDP. Each process runs an embedded media driver in its own
 * directory (processes inside one JVM may share one, see {@link Settings#sharedDriver()}) and
 * subscribes on its own address; it publishes to every peer's address.
 *
 * <p>Streams: per sending process, one control stream and one data stream per exchange step
 * ({@link #stream}). A separate stream per step
 * matters: a receiving worker that is full for one step must not hold up another step's data
 * behind it (that could deadlock two processes). The receiving poller takes a data message only
 * when the target channel has room (otherwise it leaves it in Aeron, which pushes back to the
 * sender), so memory stays bounded across processes. A batch larger than one Aeron message is sent
 * in pieces and reassembled, up to {@link Settings#maxBatchBytes()}.
 *
 * <p>Nothing received is used before it is proven to come from a member of this cluster run and
 * checked: the parts live in their own classes, one promise each:
 * <ul>
 *   <li>{@link Membership}: the handshake (an HMAC over fresh challenges with the
 *       {@link ClusterSecret}), binding each peer to its Aeron session, and the control messages;</li>
 *   <li>{@link FrameCodec}: the data frames and their checks;</li>
 *   <li>{@link Liveness}: when a silent peer counts as lost, and the message saying who went silent;</li>
 *   <li>{@link Rejections}: what is dropped (counted, logged once).</li>
 * </ul>
 * A member that breaks the protocol fails the run once, with a message naming it and what it sent.
 */
public final class AeronTransport implements Transport {
  private static final Logger LOG = LoggerFactory.getLogger(AeronTransport.class);
  /** The first stream id; each sending process has its own streams: see {@link #stream}. */
  static final int STREAM_BASE = 10;
  /** How long a failing process waits for its peers to confirm they heard of the failure. */
  private static final Duration ABORT_ACK_TIMEOUT = Duration.ofSeconds(2);

  /**
   * Tunables.
   *
   * @param connectTimeout how long {@link #start} waits for every peer
   * @param peerTimeout    how long a silent peer counts as alive (Aeron's image liveness timeout);
   *                       see {@link Liveness}
   * @param termLength     Aeron term buffer length; one Aeron message holds at most a term / 8
   *                       (larger batches go in pieces)
   * @param sharedDriver   use this JVM's shared media driver instead of launching one for this
   *                       process: for several processes inside one JVM ({@link LocalCluster}),
   *                       where a driver per process costs a start and a stop (~40 ms) per run.
   *                       Real processes (the CLI, forked JVMs) each launch their own.
   * @param maxBatchBytes  the largest serialized batch (so the largest item) that may cross
   *                       processes, in bytes; a receiver refuses to allocate more for one batch
   * @param secret         the cluster's secret; null to {@link ClusterSecret#resolve() resolve} it
   *                       from the environment when the transport starts
   */
  public record Settings(Duration connectTimeout, Duration peerTimeout, int termLength, boolean sharedDriver,
      int maxBatchBytes, ClusterSecret secret) {
    /** System property overriding {@link #connectTimeout()}, in ms. */
    public static final String CONNECT_TIMEOUT_PROPERTY = "sluice.aeron.connectTimeoutMs";
    /** System property overriding {@link #peerTimeout()}, in ms. */
    public static final String PEER_TIMEOUT_PROPERTY = "sluice.aeron.peerTimeoutMs";
    /** System property overriding {@link #termLength()}. */
    public static final String TERM_LENGTH_PROPERTY = "sluice.aeron.termLength";
    /** System property overriding {@link #maxBatchBytes()}. */
    public static final String MAX_BATCH_BYTES_PROPERTY = "sluice.aeron.maxBatchBytes";
    /**
     * System property overriding the run's {@link io.sluice.run.IdleProfile#threading()}:
     * {@code shared} or {@code invoker} ({@link TransportThreading}), for every run of the JVM.
     */
    public static final String THREADING_PROPERTY = "sluice.aeron.threading";
    /** Default {@link #maxBatchBytes()}: 1 GiB. */
    public static final int DEFAULT_MAX_BATCH_BYTES = 1 << 30;

    public Settings {
      if (maxBatchBytes < 1) {
        throw new IllegalArgumentException(MAX_BATCH_BYTES_PROPERTY + " must be positive, got " + maxBatchBytes);
      }
    }

    /** Settings with a media driver of this process's own. */
    public Settings(Duration connectTimeout, Duration peerTimeout, int termLength) {
      this(connectTimeout, peerTimeout, termLength, false, DEFAULT_MAX_BATCH_BYTES, null);
    }

    /** 30 s to connect, 30 s peer timeout, 1 MiB terms, 1 GiB batches, the secret resolved at start. */
    public static Settings defaults() {
      return new Settings(Duration.ofSeconds(30), Duration.ofSeconds(30), 1 << 20);
    }

    /** Defaults, overridden by the {@code sluice.aeron.*} system properties named above. */
    public static Settings fromSystemProperties() {
      Settings d = defaults();
      return new Settings(
          Duration.ofMillis(Long.getLong(CONNECT_TIMEOUT_PROPERTY, d.connectTimeout.toMillis())),
          Duration.ofMillis(Long.getLong(PEER_TIMEOUT_PROPERTY, d.peerTimeout.toMillis())),
          Integer.getInteger(TERM_LENGTH_PROPERTY, d.termLength), false,
          Integer.getInteger(MAX_BATCH_BYTES_PROPERTY, d.maxBatchBytes), null);
    }

    /** The same settings, on this JVM's shared media driver. */
    public Settings withSharedDriver() {
      return new Settings(connectTimeout, peerTimeout, termLength, true, maxBatchBytes, secret);
    }

    /** The same settings with this secret. */
    public Settings withSecret(ClusterSecret s) {
      return new Settings(connectTimeout, peerTimeout, termLength, sharedDriver, maxBatchBytes, s);
    }

    /** The same settings with this largest batch. */
    public Settings withMaxBatchBytes(int bytes) {
      return new Settings(connectTimeout, peerTimeout, termLength, sharedDriver, bytes, secret);
    }
  }

  private final Settings settings;
  private ClusterSpec spec;
  private Inbound inbound;
  private Serde serde;
  private MediaDriver driver;
  private Aeron aeron;
  /** Per sending process: its control stream to this process (null for this process). */
  private Subscription[] control;
  /** [sending process][step slot]. */
  private Subscription[][] data;
  private Publication[] controlOut;
  /** [process][step slot]. */
  private Publication[][] dataOut;
  private int[] slotOfStep;
  private AgentRunner poller;
  /** Aeron's INVOKER mode: the workers run the driver, the client conductor and the poll ({@link #doWork}). */
  private boolean invoker;
  /** INVOKER: the driver's invoker (shared with the other processes of the JVM on a shared driver). */
  private LockedInvoker driverInvoker;
  /** INVOKER: the poll of the subscriptions, set once the cluster is joined. */
  private volatile Agent receiving;
  /** INVOKER: held by the thread running {@link #duty} (one at a time). */
  private final AtomicBoolean dutyBusy = new AtomicBoolean();
  /** Data fragments the last poll took (the poll's thread, or under dutyBusy). */
  private int dataPolled;
  /** INVOKER: when a thread last ran {@link #duty} (System.nanoTime). */
  private volatile long lastDuty;
  /** INVOKER: when {@link #duty} last ran the driver and the client conductor (System.nanoTime); guarded by dutyBusy. */
  private long lastAeronDuty;
  private Membership members;
  private FrameCodec codec;
  private Rejections rejections;
  private Liveness liveness;
  /** Peers whose control image went away (finished and closed, or lost). */
  private volatile boolean[] goneFrom;
  /** Peers that took this process's FAILED message. */
  private boolean[] failedSentTo;
  private volatile byte[] failedReason;
  private final AtomicBoolean aborted = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicBoolean protocolBroken = new AtomicBoolean();
  private final AtomicBoolean stopSent = new AtomicBoolean();
  private volatile boolean leaving;
  /** True until every peer said hello. */
  private volatile boolean joining = true;
  private volatile Throwable peerFailure;
  private final ThreadLocal<ExpandableArrayBuffer> sendBuffer = ThreadLocal.withInitial(() -> new ExpandableArrayBuffer(4096));
  /** Per channel (slot, from, to), used only by the sending worker's thread: a batch being sent in pieces. */
  private byte[][] pending;
  private int[] pendingOffset;
  private long[] pendingEpoch;
  private int[] pendingFrom;
  /**
   * Per channel: the parts of a batch split for {@link Settings#maxBatchBytes()} still to go after
   * {@link #pending}, in order (null or empty when none). They go as later offers on the channel
   * flush them, like a batch's pieces, so the sending worker is never held in a loop while its peer's
   * worker, sending large batches the other way, waits for it to take what it was sent.
   */
  private java.util.ArrayDeque<byte[]>[] pendingParts;
  /** Per channel: whether it is among its sending worker's tails ({@link #leaveTail}); that thread's only. */
  private boolean[] tail;
  /** The calling worker's channels with pieces or parts left to send ({@link #leaveTail}). */
  private final ThreadLocal<java.util.ArrayDeque<Integer>> myTails = ThreadLocal.withInitial(java.util.ArrayDeque::new);
  /** How many channels of all workers have tails: a worker with none to send on skips the thread-local. */
  private final java.util.concurrent.atomic.AtomicInteger tails = new java.util.concurrent.atomic.AtomicInteger();
  /** Per channel: the last batch that was refused, and its bytes, so a retry does not serialize again. */
  private Object[] refusedItems;
  private byte[][] refusedBytes;

  /**
   * What the processes of one in-JVM cluster run ({@link LocalCluster}) share while joining; null
   * for real processes. They count it down when their subscriptions exist, and add their
   * publications only then (bounded by the connect timeout): a publication's first SETUP frame sent
   * before the peer's subscription bound its port is lost, and Aeron sends the next only 100 ms
   * later ({@code Configuration.PUBLICATION_SETUP_TIMEOUT_NS}): measured, 4 of 444 connections of
   * warm in-JVM cluster runs took about 100 ms instead of under 1 ms (docs/PERFORMANCE.md, "Cold
   * start"). Real processes retry as Aeron does. A process that fails before the cluster is joined
   * breaks it, and every process still joining stops at once instead of at its connect timeout.
   */
  private final JoinBarrier barrier;
  private final AtomicBoolean subscribedSignalled = new AtomicBoolean();

  public AeronTransport(Settings settings) {
    this(settings, null);
  }

  AeronTransport(Settings settings, JoinBarrier barrier) {
    this.settings = settings;
    this.barrier = barrier;
  }

  private void signalSubscribed() {
    if (barrier != null && subscribedSignalled.compareAndSet(false, true)) {
      barrier.subscribed();
    }
  }

  /**
   * Waits (until the deadline, until closed, or until the barrier broke) for every process of the
   * in-JVM cluster to have its subscriptions.
   */
  private void awaitPeersSubscribed(long deadline) {
    if (barrier == null) {
      return;
    }
    try {
      while (!barrier.awaitSubscribed(5, TimeUnit.MILLISECONDS) && !closed.get() && System.nanoTime() < deadline) {
        // bounded: a peer that never gets there makes awaitPeers fail at the same deadline, naming it
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * In-JVM clusters: this process cannot join (its own failure, about to be thrown): breaks the
   * run's barrier first, so that the processes still joining stop at once.
   */
  private void joinFailed(Throwable cause) {
    if (barrier != null && spec != null) {
      barrier.fail(spec.processId(), cause);
    }
  }

  /**
   * In-JVM clusters: if another process broke the barrier (it failed before the cluster was
   * joined), this process stops joining too: closes and throws, naming that process and its error.
   */
  private void leaveIfBarrierBroken() {
    JoinBarrier.Failure f = barrier == null ? null : barrier.failure();
    if (f == null || f.process() == spec.processId()) {
      return;
    }
    TransportException e = new TransportException("process " + spec.processId() + " stops joining the cluster: "
        + f.describe());
    peerFailure = e; // every process still joining learns it from the barrier: abort() tells nobody again
    close();
    throw e;
  }

  /** Messages dropped because their sender had not proven itself a member (for tests and monitoring). */
  public long droppedMessages() {
    return rejections == null ? 0 : rejections.dropped();
  }

  // ------------------------------------------------------------------ start: driver, streams, handshake

  @Override
  public void start(ClusterSpec cluster, Inbound in) {
    this.spec = cluster;
    try {
      join(cluster, in);
    } catch (RuntimeException | Error e) {
      joinFailed(e); // in-JVM clusters: the processes still joining stop now (if nothing broke the barrier before)
      throw e;
    }
  }

  private void join(ClusterSpec cluster, Inbound in) {
    this.inbound = in;
    this.serde = cluster.serde() != null ? cluster.serde()
        : settings.sharedDriver() ? inJvmSerde(cluster.registeredTypes()) : defaultSerde(cluster.registeredTypes());
    int processes = cluster.processes();
    int me = cluster.processId();
    int workers = processes * cluster.workersPerProcess();
    ClusterSecret secret = settings.secret() != null ? settings.secret() : ClusterSecret.resolve();
    rejections = new Rejections(me);
    liveness = new Liveness(settings.peerTimeout());
    members = new Membership(cluster, secret, rejections, new Membership.Link() {
      @Override
      public boolean offer(int peer, byte[] message) {
        return controlOut[peer] != null && controlOut[peer].offer(new UnsafeBuffer(message)) > 0;
      }

      @Override
      public void peerFailed(TransportException e) {
        reportPeerFailure(e);
      }

      @Override
      public void malformed(TransportException e) {
        protocolBroken(e);
      }

      @Override
      public void stopRequested(String reason) {
        if (inbound != null && !leaving) {
          inbound.stopRequested(reason);
        }
      }
    });
    codec = new FrameCodec(cluster, serde, settings.maxBatchBytes());
    goneFrom = new boolean[processes];
    failedSentTo = new boolean[processes];
    int maxStep = cluster.exchangeSteps().stream().mapToInt(Integer::intValue).max().orElse(-1);
    slotOfStep = new int[maxStep + 1];
    for (int i = 0; i < cluster.exchangeSteps().size(); i++) {
      slotOfStep[cluster.exchangeSteps().get(i)] = i;
    }
    int slots = cluster.exchangeSteps().size();
    int channels = slots * workers * workers;
    pending = new byte[channels][];
    pendingOffset = new int[channels];
    pendingEpoch = new long[channels];
    pendingFrom = new int[channels];
    @SuppressWarnings("unchecked")
    java.util.ArrayDeque<byte[]>[] parts = new java.util.ArrayDeque[channels];
    pendingParts = parts;
    tail = new boolean[channels];
    refusedItems = new Object[channels];
    refusedBytes = new byte[channels][];
    if (!secret.isSecure()) {
      LOG.warn("process {}: the cluster runs without a secret ({}): any program that can send UDP to {} can join it"
          + " or inject data", me, ClusterSecret.INSECURE_PROPERTY, cluster.addresses().get(me));
    }

    String myAddress = cluster.addresses().get(me);
    long joinDeadline = 0;
    try {
      String driverDirectory;
      TransportThreading threading = threading(cluster);
      invoker = threading == TransportThreading.INVOKER;
      if (settings.sharedDriver()) {
        SharedDrivers.Shared shared = SharedDrivers.driver(settings, cluster.idle(), threading);
        driverDirectory = shared.directory();
        driverInvoker = shared.invoker();
      } else {
        Path base = DriverDirectories.base();
        DriverDirectories.deleteOrphans(base);
        Path dir = DriverDirectories.newDirectory(base);
        driver = MediaDriver.launchEmbedded(threaded(driverContext(dir, settings, "media driver of process " + me),
            cluster.idle(), threading));
        driverDirectory = driver.aeronDirectoryName();
        driverInvoker = invoker ? new LockedInvoker(driver.sharedAgentInvoker()) : null;
      }
      Aeron.Context client = Liveness.apply(new Aeron.Context()
          .aeronDirectoryName(driverDirectory)
          .errorHandler(this::onClientError), settings.peerTimeout());
      if (settings.sharedDriver()) {
        client = InJvmAeron.client(client);
      }
      if (invoker) {
        // a driver nobody ran for a while has an old heartbeat, which Aeron.connect would take for a dead driver
        driverInvoker.invoke();
        client.useConductorAgentInvoker(true).driverAgentInvoker(driverInvoker);
      }
      aeron = Aeron.connect(client);
      String myChannel = channel(myAddress);
      joinDeadline = System.nanoTime() + settings.connectTimeout().toNanos();
      control = new Subscription[processes];
      data = new Subscription[processes][slots];
      for (int q = 0; q < processes; q++) {
        if (q == me) {
          continue;
        }
        control[q] = aeron.addSubscription(myChannel, stream(q, 0, slots), image -> {}, this::onImageGone);
        for (int i = 0; i < slots; i++) {
          data[q][i] = aeron.addSubscription(myChannel, stream(q, 1 + i, slots));
        }
      }
      signalSubscribed();
      awaitPeersSubscribed(joinDeadline);
      leaveIfBarrierBroken();
      controlOut = new Publication[processes];
      dataOut = new Publication[processes][slots];
      for (int p = 0; p < processes; p++) {
        if (p == me) {
          continue;
        }
        String ch = channel(cluster.addresses().get(p));
        controlOut[p] = aeron.addPublication(ch, stream(me, 0, slots));
        int[] sessions = new int[1 + slots];
        sessions[0] = controlOut[p].sessionId();
        for (int i = 0; i < slots; i++) {
          dataOut[p][i] = aeron.addPublication(ch, stream(me, 1 + i, slots));
          sessions[1 + i] = dataOut[p][i].sessionId();
        }
        members.sessionsTo(p, sessions);
      }
    } catch (AeronException | IllegalStateException | IllegalArgumentException e) {
      TransportException cannot = new TransportException("process " + me + " cannot listen on " + myAddress
          + " or reach its peers (" + String.join(";", cluster.addresses()) + "): " + rootMessage(e), e);
      joinFailed(cannot);
      signalSubscribed();
      close();
      throw cannot;
    }
    awaitPeers(joinDeadline);
    FragmentAssembler[] controlAssemblers = controlAssemblers();
    ControlledFragmentAssembler[][] dataAssemblers = new ControlledFragmentAssembler[processes][slots];
    for (int q = 0; q < processes; q++) {
      for (int i = 0; i < slots && q != me; i++) {
        int from = q;
        int slot = i;
        int step = cluster.exchangeSteps().get(i);
        dataAssemblers[q][i] = new ControlledFragmentAssembler(
            (buffer, offset, length, header) -> onData(from, slot, step, buffer, offset, length, header));
      }
    }
    Agent receive = new Agent() {
          @Override
          public int doWork() {
            liveness.tick();
            int work = 0;
            int dataWork = 0;
            for (int q = 0; q < control.length; q++) {
              if (control[q] == null) {
                continue;
              }
              work += control[q].poll(controlAssemblers[q], 16);
              for (int i = 0; i < data[q].length; i++) {
                dataWork += data[q][i].controlledPoll(dataAssemblers[q][i], 64);
              }
            }
            dataPolled = dataWork;
            return work + dataWork;
          }

          @Override
          public String roleName() {
            return "sluice-aeron-poller-" + me;
          }
        };
    if (invoker) {
      receiving = receive;
      poller = new AgentRunner(new org.agrona.concurrent.SleepingIdleStrategy(BACKSTOP_PERIOD_NANOS),
          this::onPollerError, null, new Agent() {
            @Override
            public int doWork() {
              return System.nanoTime() - lastDuty < BACKSTOP_AFTER_NANOS ? 0 : duty();
            }

            @Override
            public String roleName() {
              return "sluice-aeron-backstop-" + me;
            }
          });
    } else {
      poller = new AgentRunner(AeronIdle.poller(cluster.idle()), this::onPollerError, null, receive);
    }
    AgentRunner.startOnThread(poller);
    LOG.info("process {} connected to {} peers over Aeron ({}; membership {}; threading {})", me, processes - 1,
        aeron.context().aeronDirectoryName(), secret.isSecure() ? "proven with " + secret.source() : "NOT proven",
        invoker ? "INVOKER: the workers run the driver and the poll" : "SHARED");
  }

  private void awaitPeers(long deadline) {
    int me = spec.processId();
    FragmentAssembler[] assemblers = controlAssemblers();
    BackoffIdleStrategy idle = new BackoffIdleStrategy(10, 20, 1_000, 1_000_000);
    boolean[] connected = new boolean[spec.processes()];
    while (true) {
      int work = pollControl(assemblers) + invokeAeron();
      for (int p = 0; p < spec.processes(); p++) {
        connected[p] = p != me && controlOut[p].isConnected();
      }
      boolean all = members.join(connected);
      if (peerFailure != null) {
        // a peer may still wait for our hello (we can fail on its hello before answering its
        // challenge): answer, then tell every connected peer why we stop, so that it fails now
        // instead of at its connect timeout
        members.flushAllAnswers();
        String why = peerFailure.getMessage();
        failedReason = BoundedReader.utf8("process " + me + " cannot join the cluster: " + why);
        TransportException failed = peerFailure instanceof TransportException te ? te
            : new TransportException(why, peerFailure);
        joinFailed(failed);
        close();
        throw failed;
      }
      leaveIfBarrierBroken();
      // in-JVM clusters: joined only if no process failed first (then the next pass leaves)
      if (all && (barrier == null || barrier.joined(me))) {
        joining = false;
        return;
      }
      if (System.nanoTime() > deadline) {
        List<String> missing = new ArrayList<>();
        List<String> unproven = new ArrayList<>();
        for (int p = 0; p < spec.processes(); p++) {
          if (p != me && !members.helloFrom(p)) {
            (connected[p] ? unproven : missing).add("process " + p + " at " + spec.addresses().get(p));
          }
        }
        String dropped = rejections.dropped() > 0 ? "; " + rejections.dropped()
            + " messages were dropped as untrusted" : "";
        TransportException timedOut = !missing.isEmpty()
            ? new TransportException("process " + me + ": " + String.join(", ", missing) + " did not connect within "
                + settings.connectTimeout().toSeconds() + " s (is it started with the same -a list and its own -i?"
                + dropped + ")")
            : new TransportException("process " + me + ": " + String.join(", ", unproven)
                + " connected but did not prove"
                + " its membership within " + settings.connectTimeout().toSeconds() + " s (does it use the same"
                + " cluster secret, " + ClusterSecret.ENV + " or --cluster-secret-file?" + dropped + ")");
        joinFailed(timedOut);
        close();
        throw timedOut;
      }
      idle.idle(work);
    }
  }

  // ------------------------------------------------------------------ sending (worker threads)

  @Override
  public boolean offerBatch(int step, int from, int to, long epoch, List<Object> items) {
    int ch = channelIndex(step, from, to);
    Publication pub = dataOut[spec.processOf(to)][slotOfStep[step]];
    if (!flushPending(ch, pub, to)) {
      return false;
    }
    byte[] bytes;
    if (refusedItems[ch] == items) {
      bytes = refusedBytes[ch];
    } else {
      bytes = serde.serialize(items);
    }
    int max = pub.maxMessageLength() - FrameCodec.HEADER;
    if (bytes.length <= max) {
      if (send(pub, FrameCodec.BATCH, from, to, epoch, bytes, 0, bytes.length)) {
        refusedItems[ch] = null;
        refusedBytes[ch] = null;
        return true;
      }
      refusedItems[ch] = items;
      refusedBytes[ch] = bytes;
      return false;
    }
    refusedItems[ch] = null;
    refusedBytes[ch] = null;
    if (bytes.length > settings.maxBatchBytes()) {
      List<byte[]> parts = new ArrayList<>();
      split(step, items, bytes, parts);
      // rare: the parts go one after the other, each whole when it fits one Aeron message (the
      // receiver takes a batch in pieces only when it needs two or more), else in pieces; what
      // cannot go now goes at the channel's next offers (never a loop here: see pendingParts)
      pendingParts[ch] = new java.util.ArrayDeque<>(parts);
      pendingEpoch[ch] = epoch;
      pendingFrom[ch] = from;
      if (!flushPending(ch, pub, to)) {
        leaveTail(ch);
      }
      return true;
    }
    queuePieces(ch, bytes, epoch, from);
    if (!flushPending(ch, pub, to)) {
      leaveTail(ch);
    }
    return true;
  }

  /**
   * Channel {@code ch} has pieces or parts still to go (back-pressured) after its batch was taken:
   * the sending worker's {@link #doWork} sends them on, so that they do not wait for the channel's
   * next message, which on a quiet channel may be the next epoch's progress marker, an epoch later.
   * Only the sending worker's thread touches a channel's pending state, so the tails are its own.
   */
  private void leaveTail(int ch) {
    if (!tail[ch]) {
      tail[ch] = true;
      myTails.get().add(ch);
      tails.incrementAndGet();
    }
  }

  /** The calling worker's channels with pieces or parts left: sends on what the peers take now. */
  private int flushTails() {
    if (tails.get() == 0 || closed.get()) {
      return 0; // nothing left to send, or the run is over (the process leaves after its workers)
    }
    java.util.ArrayDeque<Integer> mine = myTails.get();
    int work = 0;
    int n = spec.processes() * spec.workersPerProcess();
    for (int i = mine.size(); i > 0; i--) {
      int ch = mine.poll();
      int to = ch % n;
      boolean done;
      try {
        done = flushPending(ch, dataOut[spec.processOf(to)][ch / (n * n)], to);
      } catch (TransportException e) {
        done = true; // the peer failed or is gone: the run stops with that error already
      }
      if (done) {
        tail[ch] = false;
        tails.decrementAndGet();
        work++;
      } else {
        mine.add(ch);
      }
    }
    return work;
  }

  private void queuePieces(int ch, byte[] bytes, long epoch, int from) {
    pending[ch] = bytes;
    pendingOffset[ch] = 0;
    pendingEpoch[ch] = epoch;
    pendingFrom[ch] = from;
  }

  /** Splits a batch whose bytes exceed {@link Settings#maxBatchBytes()} into batches within it; one item too large is an error. */
  private void split(int step, List<Object> items, byte[] bytes, List<byte[]> into) {
    if (bytes.length <= settings.maxBatchBytes()) {
      into.add(bytes);
      return;
    }
    if (items.size() == 1) {
      throw new TransportException("step '" + spec.stepIds().get(step) + "': one item of type "
          + items.get(0).getClass().getName() + " serializes to " + bytes.length + " bytes, more than may cross"
          + " processes (" + settings.maxBatchBytes() + " bytes; raise " + Settings.MAX_BATCH_BYTES_PROPERTY
          + " in every process)");
    }
    List<Object> a = new ArrayList<>(items.subList(0, items.size() / 2));
    List<Object> b = new ArrayList<>(items.subList(items.size() / 2, items.size()));
    split(step, a, serde.serialize(a), into);
    split(step, b, serde.serialize(b), into);
  }

  @Override
  public boolean offerEnd(int step, int from, int to) {
    int ch = channelIndex(step, from, to);
    Publication pub = dataOut[spec.processOf(to)][slotOfStep[step]];
    return flushPending(ch, pub, to) && send(pub, FrameCodec.END, from, to, 0, null, 0, 0);
  }

  @Override
  public boolean offerProgress(int step, int from, int to, long epoch, long timeMillis) {
    int ch = channelIndex(step, from, to);
    Publication pub = dataOut[spec.processOf(to)][slotOfStep[step]];
    if (!flushPending(ch, pub, to)) {
      return false;
    }
    byte[] time = new byte[Long.BYTES];
    new UnsafeBuffer(time).putLong(0, timeMillis);
    return send(pub, FrameCodec.PROGRESS, from, to, epoch, time, 0, time.length);
  }

  /** Sends what is left of a batch going in pieces, then the split parts waiting; true once nothing is left. */
  private boolean flushPending(int ch, Publication pub, int to) {
    while (true) {
      if (pending[ch] == null && !nextPart(ch, pub, to)) {
        return pending[ch] == null && (pendingParts[ch] == null || pendingParts[ch].isEmpty());
      }
      if (!flushPieces(ch, pub, to)) {
        return false;
      }
    }
  }

  /**
   * Takes the next waiting part of a split batch: sends it whole if it fits one message (false when
   * it went or could not go now), else makes it the batch going in pieces (true).
   */
  private boolean nextPart(int ch, Publication pub, int to) {
    java.util.ArrayDeque<byte[]> parts = pendingParts[ch];
    while (parts != null && !parts.isEmpty()) {
      byte[] part = parts.peek();
      if (part.length > pub.maxMessageLength() - FrameCodec.HEADER) {
        parts.poll();
        queuePieces(ch, part, pendingEpoch[ch], pendingFrom[ch]);
        return true;
      }
      if (!send(pub, FrameCodec.BATCH, pendingFrom[ch], to, pendingEpoch[ch], part, 0, part.length)) {
        return false;
      }
      parts.poll();
    }
    return false;
  }

  /** Sends what is left of the batch going in pieces; true once nothing is left of it. */
  private boolean flushPieces(int ch, Publication pub, int to) {
    byte[] bytes = pending[ch];
    if (bytes == null) {
      return true;
    }
    int chunkMax = pub.maxMessageLength() - FrameCodec.FRAGMENT_HEADER;
    ExpandableArrayBuffer buf = sendBuffer.get();
    while (pendingOffset[ch] < bytes.length) {
      int chunk = Math.min(chunkMax, bytes.length - pendingOffset[ch]);
      int at = FrameCodec.header(buf, FrameCodec.FRAGMENT, pendingFrom[ch], to, pendingEpoch[ch]);
      buf.putInt(at, bytes.length);
      buf.putBytes(FrameCodec.FRAGMENT_HEADER, bytes, pendingOffset[ch], chunk);
      if (!result(pub, pub.offer(buf, 0, FrameCodec.FRAGMENT_HEADER + chunk))) {
        return false;
      }
      pendingOffset[ch] += chunk;
    }
    pending[ch] = null;
    return true;
  }

  private boolean send(Publication pub, byte kind, int from, int to, long epoch, byte[] payload, int off, int len) {
    ExpandableArrayBuffer buf = sendBuffer.get();
    int at = FrameCodec.header(buf, kind, from, to, epoch);
    if (len > 0) {
      buf.putBytes(at, payload, off, len);
    }
    return result(pub, pub.offer(buf, 0, at + len));
  }

  /** True if offered; false for conditions that pass (back-pressure, not yet connected); throws if the peer is gone for good. */
  private boolean result(Publication pub, long position) {
    if (position > 0) {
      return true;
    }
    if (position == Publication.CLOSED || position == Publication.MAX_POSITION_EXCEEDED) {
      throw new TransportException("the publication to " + pub.channel() + " is "
          + (position == Publication.CLOSED ? "closed" : "full for good (max position exceeded)"));
    }
    Throwable lost = peerFailure;
    if (lost != null) {
      throw new TransportException("cannot send: " + lost.getMessage(), lost);
    }
    return false; // BACK_PRESSURED, ADMIN_ACTION, NOT_CONNECTED: try again later
  }

  private int channelIndex(int step, int from, int to) {
    int n = spec.processes() * spec.workersPerProcess();
    return (slotOfStep[step] * n + from) * n + to;
  }

  // ------------------------------------------------------------------ receiving (poller thread)

  private Action onData(int from, int slot, int step, DirectBuffer buffer, int offset, int length, Header header) {
    int peer = members.peerOfSession(header.sessionId());
    if (peer != from) {
      rejections.drop("a data message of " + length + " bytes for step '" + spec.stepIds().get(step)
          + "' on Aeron session " + header.sessionId() + ", which no member of this cluster proved to be its own");
      return Action.CONTINUE;
    }
    if (protocolBroken.get()) {
      return Action.CONTINUE; // the run is stopping already, with the first error
    }
    try {
      return codec.onFrame(slot, step, peer, buffer, offset, length, inbound);
    } catch (BoundedReader.Malformed e) {
      protocolBroken(new TransportException("process " + peer + " broke the exchange protocol: " + e.getMessage()));
      return Action.CONTINUE;
    } catch (RuntimeException e) {
      protocolBroken(new TransportException("step '" + spec.stepIds().get(step) + "': a batch from process " + peer
          + " cannot be deserialized: " + (e.getMessage() != null ? e.getMessage() : e.toString()), e));
      return Action.CONTINUE;
    }
  }

  /** One control message on the stream of process {@code from}: only that process may speak on it. */
  private void onControl(int from, DirectBuffer buffer, int offset, int length, Header header) {
    if (length >= Membership.HEADER && buffer.getInt(offset + 1) != from) {
      rejections.drop("a control message claiming to be from process " + buffer.getInt(offset + 1)
          + " on the stream of process " + from);
      return;
    }
    members.onControl(buffer, offset, length, header, joining);
  }

  private FragmentAssembler[] controlAssemblers() {
    FragmentAssembler[] a = new FragmentAssembler[spec.processes()];
    for (int q = 0; q < a.length; q++) {
      int from = q;
      a[q] = new FragmentAssembler((buffer, offset, length, header) -> onControl(from, buffer, offset, length, header));
    }
    return a;
  }

  private int pollControl(FragmentAssembler[] assemblers) {
    int work = 0;
    for (int q = 0; q < control.length; q++) {
      if (control[q] != null) {
        work += control[q].poll(assemblers[q], 16);
      }
    }
    return work;
  }

  /**
   * The stream id on which process {@code from} sends {@code kind} (0: control, 1 + slot: the data of
   * exchange step slot {@code slot}). Each sending process has its own streams, so that processes
   * sharing one media driver (an in-JVM cluster) never share a publication, and so an Aeron session.
   */
  static int stream(int from, int kind, int slots) {
    return STREAM_BASE + from * (1 + slots) + kind;
  }

  @Override
  public Map<Integer, List<String>> partitionsOf(int process) {
    Map<Integer, List<String>> listed = members.partitionsOf(process);
    if (listed == null) {
      throw new IllegalStateException("no hello from process " + process + " yet");
    }
    return listed;
  }

  private void onImageGone(Image image) {
    int peer = members.peerOfSession(image.sessionId());
    if (peer < 0) {
      return; // a session nobody proved: nothing of ours
    }
    goneFrom[peer] = true;
    if (closed.get() || members.finishedFrom(peer)) {
      return;
    }
    reportPeerFailure(new TransportException(liveness.lostPeer(spec.processId(), peer, spec.addresses().get(peer))));
  }

  /** A peer failed, was lost, or does not match: the peers know already, so abort() does not echo it. */
  private void reportPeerFailure(TransportException e) {
    if (peerFailure == null) {
      peerFailure = e;
      if (inbound != null && !leaving) {
        inbound.peerFailed(e);
      }
    }
  }

  /** A member broke the protocol, or this process cannot take what it sent: the run fails once, and abort() tells the peers. */
  private void protocolBroken(TransportException e) {
    if (!protocolBroken.compareAndSet(false, true)) {
      return;
    }
    if (joining) {
      reportPeerFailure(e);
    } else if (inbound != null && !leaving) {
      inbound.peerFailed(e);
    } else {
      LOG.warn("process {}: {}", spec.processId(), e.getMessage());
    }
  }

  private void onClientError(Throwable t) {
    if (!closed.get()) {
      LOG.warn("Aeron client error in process {}", spec.processId(), t);
    }
  }

  private void onPollerError(Throwable t) {
    protocolBroken(new TransportException("the receiving side of process " + spec.processId() + " failed: " + t, t));
  }

  // ------------------------------------------------------------------ INVOKER: the transport's work on the workers' threads

  /**
   * INVOKER: the driver's and the client conductor's duty cycles run at most this often (the poll
   * runs on every call). A driver duty cycle costs 1–6 µs (socket calls, measured), so a busy worker
   * calling it on every pass of its loop spent most of its time there at 100 k batches per second;
   * an item waits at most this much longer to leave or to be read from the socket.
   */
  static final long AERON_DUTY_INTERVAL_NANOS = TimeUnit.MICROSECONDS.toNanos(20);

  /** At most this many more passes of the driver and client conductor while they find work, per duty. */
  static final int AERON_DRAIN_PASSES = Integer.getInteger("sluice.aeron.drainPasses", 64);
  /** How long no worker may have run the transport's work before the backstop thread does it. */
  static final long BACKSTOP_AFTER_NANOS = TimeUnit.MILLISECONDS.toNanos(4);
  /** How often the backstop thread looks. */
  static final long BACKSTOP_PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

  /** Which threads run this transport's work: the system property, else the run's idle profile. */
  static TransportThreading threading(ClusterSpec cluster) {
    String p = System.getProperty(Settings.THREADING_PROPERTY);
    if (p == null || p.isBlank()) {
      return cluster.idle().threading();
    }
    try {
      return TransportThreading.valueOf(p.trim().toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("system property " + Settings.THREADING_PROPERTY + " is '" + p
          + "': expected 'shared' or 'invoker'", e);
    }
  }

  /**
   * In {@link TransportThreading#INVOKER} mode: one duty cycle of the media driver, the client's
   * conductor and the poll of every subscription, unless another thread is in it (then 0 at once).
   */
  @Override
  public int doWork() {
    return flushTails() + (invoker ? duty() : 0);
  }

  private int duty() {
    // close() takes dutyBusy for good before it closes the client
    if (!invoker || !dutyBusy.compareAndSet(false, true)) {
      return 0;
    }
    try {
      // only data received counts as work: the driver and the conductor have periodic work of their
      // own (heartbeats, timers) every millisecond or so, which would keep an idle worker from ever
      // parking (a LATENCY worker yielding for good); a worker's own sends count in its loop already
      long now = System.nanoTime();
      if (now - lastAeronDuty >= AERON_DUTY_INTERVAL_NANOS) {
        lastAeronDuty = now;
        // while the driver finds work (datagrams to receive or send), let it go on: one pass of
        // Aeron's receiver reads one datagram per transport, so a burst would otherwise arrive at
        // one datagram per pass of a busy worker's loop
        for (int i = 0; invokeAeron() > 0 && i < AERON_DRAIN_PASSES; i++) {
          // the driver's own loop
        }
      }
      Agent r = receiving;
      int work = 0;
      if (r != null) {
        r.doWork();
        work = dataPolled; // control messages (acknowledgements, membership) do not keep a worker awake
      }
      lastDuty = now;
      return work;
    } catch (Throwable t) {
      onPollerError(t);
      return 0;
    } finally {
      dutyBusy.set(false);
    }
  }

  /** INVOKER: the driver's and the client conductor's duty cycles; 0 in SHARED mode (they have threads). */
  private int invokeAeron() {
    if (!invoker || aeron == null) {
      return 0;
    }
    return driverInvoker.invoke() + aeron.conductorAgentInvoker().invoke();
  }

  // ------------------------------------------------------------------ leaving

  /**
   * Tells every peer this process finished and waits until every peer has finished too and has
   * confirmed hearing it (or is already gone, having finished): only then may the media driver
   * close without a peer mistaking this process for a lost one. Bounded by peer liveness: a
   * lost peer ends the wait with an error.
   */
  @Override
  public void finish() {
    leaving = true;
    members.finishSent();
    int me = spec.processId();
    boolean[] sent = new boolean[spec.processes()];
    while (true) {
      boolean all = true;
      for (int p = 0; p < spec.processes(); p++) {
        if (p == me) {
          continue;
        }
        boolean heard = members.finishAckedBy(p) || goneFrom[p];
        if (!sent[p] && !heard) {
          sent[p] = controlOut[p].offer(new UnsafeBuffer(members.control(Membership.FINISHED, p, ""))) > 0;
        }
        all &= members.finishedFrom(p) && heard;
      }
      if (all) {
        return;
      }
      Throwable failure = peerFailure;
      if (failure != null) {
        throw new TransportException("while waiting for the other processes to finish: "
            + failure.getMessage(), failure);
      }
      if (protocolBroken.get()) {
        throw new TransportException("while waiting for the other processes to finish: a peer broke the protocol");
      }
      if (aborted.get()) {
        throw new TransportException("aborted while waiting for the other processes to finish");
      }
      if (duty() == 0) {
        java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
      }
    }
  }

  /** Tells every peer, once, that this process stops gracefully; they stop the same way. */
  @Override
  public void requestStop(String reason) {
    if (spec == null || controlOut == null || joining || !stopSent.compareAndSet(false, true)) {
      return;
    }
    for (int p = 0; p < spec.processes(); p++) {
      if (p == spec.processId()) {
        continue;
      }
      byte[] msg = members.control(Membership.STOP, p, reason);
      long deadline = System.nanoTime() + ABORT_ACK_TIMEOUT.toNanos();
      while (controlOut[p].isConnected() && controlOut[p].offer(new UnsafeBuffer(msg)) <= 0
          && System.nanoTime() < deadline) {
        java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
      }
    }
  }

  @Override
  public void abort(Throwable cause) {
    if (spec == null || controlOut == null || !aborted.compareAndSet(false, true)) {
      return;
    }
    if (cause instanceof TransportException && peerFailure == cause) {
      return; // the peers know: the failure came from them
    }
    String text = cause.getMessage() == null ? cause.toString() : cause.getMessage();
    failedReason = BoundedReader.utf8(text.length() > 2000 ? text.substring(0, 2000) + "..." : text);
    sendFailed();
  }

  /**
   * Offers FAILED, once, to every peer that has not taken it yet; a peer's confirmation comes back
   * as FAILED_ACK. Returns whether every peer that may still listen has confirmed (or failed itself).
   */
  private synchronized boolean sendFailed() {
    members.failSent();
    String reason = new String(failedReason, java.nio.charset.StandardCharsets.UTF_8);
    boolean all = true;
    for (int p = 0; p < spec.processes(); p++) {
      if (p == spec.processId() || members.failedOrAckedFrom(p) || controlOut[p] == null || learnsFromBarrier(p)) {
        continue;
      }
      if (!controlOut[p].isConnected()) {
        // while joining, a peer not connected yet may still be coming: keep trying (bounded);
        // later, a peer that is not connected is gone
        all &= !joining;
        continue;
      }
      if (!failedSentTo[p]) {
        failedSentTo[p] = controlOut[p].offer(new UnsafeBuffer(members.control(Membership.FAILED, p, reason))) > 0;
      }
      all = false;
    }
    return all;
  }

  /**
   * In-JVM clusters: whether process {@code p} learns of this run's failure from the broken
   * barrier (it was still joining when it broke), so that FAILED need not reach it over Aeron.
   */
  private boolean learnsFromBarrier(int p) {
    return barrier != null && barrier.failure() != null && !barrier.hasJoined(p);
  }

  /**
   * After an abort, waits until every connected peer confirmed the FAILED message (bounded): the
   * media driver must not close while the message may still be unsent, or the peers would only
   * notice this process's failure as a lost peer, much later.
   */
  private void awaitFailureHeard() {
    long deadline = System.nanoTime() + ABORT_ACK_TIMEOUT.toNanos();
    // before the poller runs (failing while joining) nobody else reads the acknowledgements
    FragmentAssembler[] ownPoll = poller == null && control != null ? controlAssemblers() : null;
    while (!sendFailed() && System.nanoTime() < deadline) {
      if (ownPoll != null) {
        pollControl(ownPoll);
        invokeAeron();
      } else {
        duty();
      }
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    signalSubscribed();
    leaving = true;
    if (failedReason != null && controlOut != null && members != null) {
      awaitFailureHeard();
    }
    CloseHelper.quietClose(poller);
    if (invoker) {
      // a worker may be in doWork still (a failing run closes before its workers are out): wait for it
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (!dutyBusy.compareAndSet(false, true) && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
    }
    CloseHelper.quietClose(aeron);
    CloseHelper.quietClose(driver);
    if (rejections != null && rejections.dropped() > 1) {
      LOG.debug("process {} dropped {} untrusted messages in this run", spec.processId(), rejections.dropped());
    }
  }

  // ------------------------------------------------------------------ helpers

  /**
   * The serde a process uses when the run configuration names none: {@link ForySerde}, which
   * creates only JDK value types, Sluice's own and the flow's registered types. In-JVM clusters and
   * the testkit's serde check use {@link #inJvmSerde}, the same types and bytes, so that a
   * one-process test fails where a cluster would.
   */
  public static Serde defaultSerde(List<String> registeredTypes) {
    return new ForySerde(registeredTypes);
  }

  /**
   * System property: {@code true} makes {@link #inJvmSerde} generate Fory serializers like
   * {@link #defaultSerde} does (off by default).
   */
  public static final String IN_JVM_CODEGEN_PROPERTY = "sluice.aeron.inJvmSerdeCodegen";
  private static final int IN_JVM_SERDES_KEPT = 16;
  private static final java.util.Map<List<String>, Serde> IN_JVM_SERDES =
      new java.util.LinkedHashMap<>(IN_JVM_SERDES_KEPT, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<List<String>, Serde> eldest) {
          return size() > IN_JVM_SERDES_KEPT;
        }
      };

  /**
   * The serde of the processes of an in-JVM cluster ({@link LocalCluster}, on the shared media
   * driver) and of the testkit's serde check: the same types as {@link #defaultSerde} allows, the
   * same bytes, but one instance per JVM and list of registered types (the processes and runs of
   * a test JVM share it; the 16 most recently used lists are kept), and without Fory's serializer
   * code generation, whose compilation costs about 0.5 s of CPU in a JVM's first cluster run and
   * does not pay off over a test's few items (docs/PERFORMANCE.md, "Cold start"). Plain values
   * (strings, boxed numbers, {@code byte[]}, {@code KV} and {@code ArrayList} of them) are written
   * by {@link PlainItemSerde}, and Fory is built only when another type first crosses; the
   * registered types are checked at once all the same. Real processes use {@link #defaultSerde}.
   * Thread-safe.
   */
  public static Serde inJvmSerde(List<String> registeredTypes) {
    List<String> key = registeredTypes.stream().sorted().distinct().toList();
    synchronized (IN_JVM_SERDES) {
      return IN_JVM_SERDES.computeIfAbsent(key, k -> {
        ForySerde.registered(k); // a wrong entry fails now, not when Fory is first needed
        boolean codegen = Boolean.getBoolean(IN_JVM_CODEGEN_PROPERTY);
        return new PlainItemSerde(() -> new ForySerde(k, codegen));
      });
    }
  }

  /**
   * The driver's threads for the threading mode: Aeron's {@code SHARED} with the profile's driver
   * backoff, or {@code INVOKER} (no thread: the workers run it), where the asynchronous executor
   * (name resolution; a thread that wakes every millisecond) runs on the conductor as well.
   */
  static MediaDriver.Context threaded(MediaDriver.Context ctx, io.sluice.run.IdleProfile idle,
      TransportThreading threading) {
    return threading == TransportThreading.INVOKER
        ? ctx.threadingMode(ThreadingMode.INVOKER).asyncExecutorEnabled(false)
        : ctx.sharedIdleStrategy(AeronIdle.driver(idle));
  }

  /** The embedded media driver every Sluice process runs (its own, or the JVM's shared one). */
  static MediaDriver.Context driverContext(Path dir, Settings settings, String name) {
    return Liveness.apply(new MediaDriver.Context(), settings.peerTimeout())
        .aeronDirectoryName(dir.toString())
        .dirDeleteOnStart(true)
        .dirDeleteOnShutdown(true)
        .threadingMode(ThreadingMode.SHARED)
        .sharedIdleStrategy(new BackoffIdleStrategy(1, 10, 1_000, 1_000_000))
        .termBufferSparseFile(true)
        .publicationTermBufferLength(settings.termLength())
        .errorHandler(new DriverErrors(name));
  }

  private static String channel(String address) {
    return "aeron:udp?endpoint=" + address;
  }

  private static String rootMessage(Throwable t) {
    Throwable r = t;
    while (r.getCause() != null && r.getCause() != r) {
      r = r.getCause();
    }
    return r.getMessage() == null ? r.toString() : r.getMessage();
  }
}
