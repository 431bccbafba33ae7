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
import io.sluice.serde.Serde;
import io.sluice.transport.ClusterSpec;
import io.sluice.transport.Transport;
import io.sluice.transport.TransportException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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
 * <p>Streams: one control stream (hello, finished, failed) and one data stream per exchange step.
 * A separate stream per step matters: a receiving worker that is full for one step must not hold
 * up another step's data behind it (that could deadlock two processes). A data message is
 * {@code [kind][from worker][to worker][epoch][serialized batch]}; the receiving poller takes it
 * only when the target channel has room (otherwise it leaves it in Aeron, which pushes back to the
 * sender), so memory stays bounded across processes. Batches larger than a message can hold are
 * split into several batches, in order.
 *
 * <p>Liveness: a peer's control image going away before the peer said "finished" is a lost peer;
 * Aeron notices after {@link Settings#peerTimeout()} without heartbeats.
 */
public final class AeronTransport implements Transport {
  private static final Logger LOG = LoggerFactory.getLogger(AeronTransport.class);
  static final int CONTROL_STREAM = 10;
  static final int DATA_STREAM_BASE = 100;
  private static final byte KIND_BATCH = 1;
  private static final byte KIND_END = 2;
  /** A progress marker: the header's epoch field holds the closed epoch; the payload is the sender's time (8 bytes, ms). */
  private static final byte KIND_PROGRESS = 3;
  private static final byte HELLO = 1;
  private static final byte FINISHED = 2;
  private static final byte FAILED = 3;
  private static final byte FAILED_ACK = 4;
  private static final byte FINISHED_ACK = 5;
  /** How long a failing process waits for its peers to confirm they heard of the failure. */
  private static final Duration ABORT_ACK_TIMEOUT = Duration.ofSeconds(2);
  private static final int DATA_HEADER = 1 + 4 + 4 + 8;

  /**
   * Tunables.
   *
   * @param connectTimeout how long {@link #start} waits for every peer
   * @param peerTimeout    how long a silent peer counts as alive (Aeron's image liveness timeout)
   * @param termLength     Aeron term buffer length (max message = term / 8)
   * @param sharedDriver   use this JVM's shared media driver instead of launching one for this
   *                       process: for several processes inside one JVM ({@link LocalCluster}),
   *                       where a driver per process costs a start and a stop (~40 ms) per run.
   *                       Real processes (the CLI, forked JVMs) each launch their own.
   */
  public record Settings(Duration connectTimeout, Duration peerTimeout, int termLength, boolean sharedDriver) {
    /** Settings with a media driver of this process's own. */
    public Settings(Duration connectTimeout, Duration peerTimeout, int termLength) {
      this(connectTimeout, peerTimeout, termLength, false);
    }

    public static Settings defaults() {
      return new Settings(Duration.ofSeconds(30), Duration.ofSeconds(5), 1 << 20);
    }

    /** Defaults, overridden by {@code sluice.aeron.connectTimeoutMs}, {@code sluice.aeron.peerTimeoutMs}. */
    public static Settings fromSystemProperties() {
      Settings d = defaults();
      return new Settings(
          Duration.ofMillis(Long.getLong("sluice.aeron.connectTimeoutMs", d.connectTimeout.toMillis())),
          Duration.ofMillis(Long.getLong("sluice.aeron.peerTimeoutMs", d.peerTimeout.toMillis())),
          Integer.getInteger("sluice.aeron.termLength", d.termLength));
    }

    /** The same settings, on this JVM's shared media driver. */
    public Settings withSharedDriver() {
      return new Settings(connectTimeout, peerTimeout, termLength, true);
    }
  }

  private final Settings settings;
  private ClusterSpec spec;
  private Inbound inbound;
  private Serde serde;
  private MediaDriver driver;
  private Aeron aeron;
  private Subscription control;
  private Subscription[] data;
  private Publication[] controlOut;
  /** [process][step slot]. */
  private Publication[][] dataOut;
  private int[] slotOfStep;
  private AgentRunner poller;
  private final Map<Integer, Integer> peerOfControlSession = new ConcurrentHashMap<>();
  private volatile boolean[] helloFrom;
  /** What each process listed for each step with fixed partitions, from its hello (ours: from the spec). */
  private final Map<Integer, Map<Integer, List<String>>> partitionsByProcess = new ConcurrentHashMap<>();
  private volatile boolean[] finishedFrom;
  /** Peers that confirmed they heard this process finish. */
  private volatile boolean[] finishAckedBy;
  /** Peers whose control image went away (finished and closed, or lost). */
  private volatile boolean[] goneFrom;
  /** Peers that reported their own failure, or confirmed they heard of ours. */
  private volatile boolean[] failedOrAckedFrom;
  private volatile byte[] failedMessage;
  private final AtomicBoolean aborted = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile boolean leaving;
  /** True until every peer said hello. */
  private volatile boolean joining = true;
  private volatile Throwable peerFailure;
  private final ThreadLocal<ExpandableArrayBuffer> sendBuffer = ThreadLocal.withInitial(() -> new ExpandableArrayBuffer(4096));
  /** Per channel (slot, from, to), used only by the sending worker's thread: parts of a split batch not yet offered. */
  private ArrayDeque<byte[]>[] leftovers;
  /** Per channel: the last batch that was refused, and its bytes, so a retry does not serialize again. */
  private Object[] refusedItems;
  private byte[][] refusedBytes;

  public AeronTransport(Settings settings) {
    this.settings = settings;
  }

  // ------------------------------------------------------------------ start: driver, streams, hello

  @Override
  @SuppressWarnings("unchecked")
  public void start(ClusterSpec cluster, Inbound in) {
    this.spec = cluster;
    this.inbound = in;
    this.serde = cluster.serde() != null ? cluster.serde() : defaultSerde(cluster.registeredTypes());
    int processes = cluster.processes();
    int me = cluster.processId();
    int workers = processes * cluster.workersPerProcess();
    helloFrom = new boolean[processes];
    finishedFrom = new boolean[processes];
    failedOrAckedFrom = new boolean[processes];
    finishAckedBy = new boolean[processes];
    goneFrom = new boolean[processes];
    int maxStep = cluster.exchangeSteps().stream().mapToInt(Integer::intValue).max().orElse(-1);
    slotOfStep = new int[maxStep + 1];
    for (int i = 0; i < cluster.exchangeSteps().size(); i++) {
      slotOfStep[cluster.exchangeSteps().get(i)] = i;
    }
    int slots = cluster.exchangeSteps().size();
    leftovers = new ArrayDeque[slots * workers * workers];
    refusedItems = new Object[leftovers.length];
    refusedBytes = new byte[leftovers.length][];

    String myAddress = cluster.addresses().get(me);
    try {
      String driverDirectory;
      if (settings.sharedDriver()) {
        driverDirectory = SharedDrivers.directory(settings, cluster.idle());
      } else {
        Path base = DriverDirectories.base();
        DriverDirectories.deleteOrphans(base);
        Path dir = DriverDirectories.newDirectory(base);
        driver = MediaDriver.launchEmbedded(driverContext(dir, settings, "media driver of process " + me)
            .sharedIdleStrategy(AeronIdle.driver(cluster.idle())));
        driverDirectory = driver.aeronDirectoryName();
      }
      aeron = Aeron.connect(new Aeron.Context()
          .aeronDirectoryName(driverDirectory)
          .errorHandler(this::onClientError));
      String myChannel = channel(myAddress);
      control = aeron.addSubscription(myChannel, CONTROL_STREAM, image -> {}, this::onImageGone);
      data = new Subscription[slots];
      for (int i = 0; i < slots; i++) {
        data[i] = aeron.addSubscription(myChannel, DATA_STREAM_BASE + i);
      }
    } catch (AeronException | IllegalStateException e) {
      close();
      throw new TransportException("process " + me + " cannot listen on " + myAddress + ": " + rootMessage(e), e);
    }
    controlOut = new Publication[processes];
    dataOut = new Publication[processes][slots];
    for (int p = 0; p < processes; p++) {
      if (p == me) {
        continue;
      }
      String ch = channel(cluster.addresses().get(p));
      controlOut[p] = aeron.addPublication(ch, CONTROL_STREAM);
      for (int i = 0; i < slots; i++) {
        dataOut[p][i] = aeron.addPublication(ch, DATA_STREAM_BASE + i);
      }
    }
    awaitPeers();
    FragmentAssembler controlAssembler = new FragmentAssembler(this::onControl);
    ControlledFragmentAssembler[] dataAssemblers = new ControlledFragmentAssembler[slots];
    for (int i = 0; i < slots; i++) {
      int step = cluster.exchangeSteps().get(i);
      dataAssemblers[i] = new ControlledFragmentAssembler(
          (buffer, offset, length, header) -> onData(step, buffer, offset, length));
    }
    poller = new AgentRunner(AeronIdle.poller(cluster.idle()), this::onPollerError, null,
        new Agent() {
          @Override
          public int doWork() {
            int work = control.poll(controlAssembler, 16);
            for (int i = 0; i < data.length; i++) {
              work += data[i].controlledPoll(dataAssemblers[i], 64);
            }
            return work;
          }

          @Override
          public String roleName() {
            return "sluice-aeron-poller-" + me;
          }
        });
    AgentRunner.startOnThread(poller);
    LOG.info("process {} connected to {} peers over Aeron ({})", me, processes - 1, aeron.context().aeronDirectoryName());
  }

  private void awaitPeers() {
    int me = spec.processId();
    byte[] hello = helloMessage();
    partitionsByProcess.put(me, spec.partitions());
    boolean[] helloSent = new boolean[spec.processes()];
    FragmentAssembler assembler = new FragmentAssembler(this::onControl);
    long deadline = System.nanoTime() + settings.connectTimeout().toNanos();
    BackoffIdleStrategy idle = new BackoffIdleStrategy(10, 20, 1_000, 1_000_000);
    while (true) {
      int work = control.poll(assembler, 16);
      boolean all = true;
      for (int p = 0; p < spec.processes(); p++) {
        if (p == me) {
          continue;
        }
        if (!helloSent[p] && controlOut[p].isConnected()) {
          helloSent[p] = controlOut[p].offer(new UnsafeBuffer(hello)) > 0;
          work++;
        }
        all &= helloSent[p] && helloFrom[p];
      }
      if (peerFailure != null) {
        // a peer may not have our hello yet (we can fail on its hello before sending ours): tell
        // every connected peer why we stop, so that it fails now instead of at its connect timeout
        String why = peerFailure.getMessage();
        failedMessage = controlMessage(FAILED, "process " + me + " cannot join the cluster: " + why);
        close();
        throw peerFailure instanceof TransportException te ? te : new TransportException(why, peerFailure);
      }
      if (all) {
        joining = false;
        return;
      }
      if (System.nanoTime() > deadline) {
        List<String> missing = new ArrayList<>();
        for (int p = 0; p < spec.processes(); p++) {
          if (p != me && !(helloSent[p] && helloFrom[p])) {
            missing.add("process " + p + " at " + spec.addresses().get(p));
          }
        }
        close();
        throw new TransportException("process " + me + ": " + String.join(", ", missing) + " did not connect within "
            + settings.connectTimeout().toSeconds() + " s (is it started with the same -a list and its own -i?)");
      }
      idle.idle(work);
    }
  }

  // ------------------------------------------------------------------ sending (worker threads)

  @Override
  public boolean offerBatch(int step, int from, int to, long epoch, List<Object> items) {
    int ch = channelIndex(step, from, to);
    Publication pub = dataOut[spec.processOf(to)][slotOfStep[step]];
    if (!flushLeftovers(ch, pub)) {
      return false;
    }
    byte[] bytes;
    if (refusedItems[ch] == items) {
      bytes = refusedBytes[ch];
    } else {
      bytes = serde.serialize(items);
    }
    int max = pub.maxMessageLength() - DATA_HEADER;
    if (bytes.length <= max) {
      if (send(pub, KIND_BATCH, from, to, epoch, bytes)) {
        refusedItems[ch] = null;
        refusedBytes[ch] = null;
        return true;
      }
      refusedItems[ch] = items;
      refusedBytes[ch] = bytes;
      return false;
    }
    List<byte[]> parts = new ArrayList<>();
    split(items, max, parts);
    if (!send(pub, KIND_BATCH, from, to, epoch, parts.get(0))) {
      return false;
    }
    ArrayDeque<byte[]> rest = leftovers[ch] == null ? (leftovers[ch] = new ArrayDeque<>()) : leftovers[ch];
    for (int i = 1; i < parts.size(); i++) {
      rest.add(withHeader(KIND_BATCH, from, to, epoch, parts.get(i)));
    }
    flushLeftovers(ch, pub);
    return true;
  }

  @Override
  public boolean offerEnd(int step, int from, int to) {
    int ch = channelIndex(step, from, to);
    Publication pub = dataOut[spec.processOf(to)][slotOfStep[step]];
    return flushLeftovers(ch, pub) && send(pub, KIND_END, from, to, 0, new byte[0]);
  }

  @Override
  public boolean offerProgress(int step, int from, int to, long epoch, long timeMillis) {
    int ch = channelIndex(step, from, to);
    Publication pub = dataOut[spec.processOf(to)][slotOfStep[step]];
    byte[] time = new byte[Long.BYTES];
    new UnsafeBuffer(time).putLong(0, timeMillis);
    return flushLeftovers(ch, pub) && send(pub, KIND_PROGRESS, from, to, epoch, time);
  }

  private void split(List<Object> items, int max, List<byte[]> into) {
    byte[] bytes = serde.serialize(items);
    if (bytes.length <= max) {
      into.add(bytes);
      return;
    }
    if (items.size() == 1) {
      throw new TransportException("one item of type " + items.get(0).getClass().getName() + " serializes to "
          + bytes.length + " bytes, more than an Aeron message can hold (" + max + "); raise sluice.aeron.termLength");
    }
    int half = items.size() / 2;
    split(new ArrayList<>(items.subList(0, half)), max, into);
    split(new ArrayList<>(items.subList(half, items.size())), max, into);
  }

  private boolean flushLeftovers(int ch, Publication pub) {
    ArrayDeque<byte[]> rest = leftovers[ch];
    while (rest != null && !rest.isEmpty()) {
      byte[] msg = rest.peekFirst();
      if (!result(pub, pub.offer(new UnsafeBuffer(msg)))) {
        return false;
      }
      rest.pollFirst();
    }
    return true;
  }

  private boolean send(Publication pub, byte kind, int from, int to, long epoch, byte[] payload) {
    ExpandableArrayBuffer buf = sendBuffer.get();
    int len = encode(buf, kind, from, to, epoch, payload);
    return result(pub, pub.offer(buf, 0, len));
  }

  private static int encode(org.agrona.MutableDirectBuffer buf, byte kind, int from, int to, long epoch, byte[] payload) {
    buf.putByte(0, kind);
    buf.putInt(1, from);
    buf.putInt(5, to);
    buf.putLong(9, epoch);
    buf.putBytes(DATA_HEADER, payload);
    return DATA_HEADER + payload.length;
  }

  private static byte[] withHeader(byte kind, int from, int to, long epoch, byte[] payload) {
    byte[] msg = new byte[DATA_HEADER + payload.length];
    encode(new UnsafeBuffer(msg), kind, from, to, epoch, payload);
    return msg;
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

  private Action onData(int step, DirectBuffer buffer, int offset, int length) {
    byte kind = buffer.getByte(offset);
    int from = buffer.getInt(offset + 1);
    int to = buffer.getInt(offset + 5);
    if (!inbound.hasRoom(step, from, to)) {
      return Action.ABORT;
    }
    if (kind == KIND_END) {
      inbound.deliverEnd(step, from, to);
      return Action.CONTINUE;
    }
    long epoch = buffer.getLong(offset + 9);
    if (kind == KIND_PROGRESS) {
      if (length != DATA_HEADER + Long.BYTES) {
        throw new TransportException("a progress marker of " + length + " bytes (expected "
            + (DATA_HEADER + Long.BYTES) + ")");
      }
      inbound.deliverProgress(step, from, to, epoch, buffer.getLong(offset + DATA_HEADER));
      return Action.CONTINUE;
    }
    byte[] bytes = new byte[length - DATA_HEADER];
    buffer.getBytes(offset + DATA_HEADER, bytes);
    List<Object> items;
    try {
      @SuppressWarnings("unchecked")
      List<Object> decoded = (List<Object>) serde.deserialize(bytes);
      items = decoded;
    } catch (RuntimeException e) {
      reportLocalFailure(new TransportException("step '" + spec.stepIds().get(step) + "': a batch from worker " + from
          + " to worker " + to + " cannot be deserialized: " + (e.getMessage() != null ? e.getMessage() : e.toString()), e));
      return Action.CONTINUE;
    }
    inbound.deliverBatch(step, from, to, epoch, items);
    return Action.CONTINUE;
  }

  private void onControl(DirectBuffer buffer, int offset, int length, Header header) {
    byte type = buffer.getByte(offset);
    int peer = buffer.getInt(offset + 1);
    if (peer < 0 || peer >= spec.processes()) {
      return;
    }
    if (type == HELLO) {
      onHello(peer, buffer, offset + 5, length - 5, header);
      return;
    }
    String text = buffer.getStringWithoutLengthUtf8(offset + 5, length - 5);
    switch (type) {
      case FINISHED -> {
        finishedFrom[peer] = true;
        controlOut[peer].offer(new UnsafeBuffer(controlMessage(FINISHED_ACK, "")));
      }
      case FINISHED_ACK -> finishAckedBy[peer] = true;
      case FAILED -> {
        failedOrAckedFrom[peer] = true;
        controlOut[peer].offer(new UnsafeBuffer(controlMessage(FAILED_ACK, "")));
        reportPeerFailure(new TransportException("process " + peer + " failed: " + text));
      }
      case FAILED_ACK -> failedOrAckedFrom[peer] = true;
      default -> LOG.warn("unknown control message {} from process {}", type, peer);
    }
  }

  /** A peer's hello: its flow signature (must equal ours) and what it listed for partitioned steps. */
  private void onHello(int peer, DirectBuffer buffer, int offset, int length, Header header) {
    java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(new byte[length]);
    buffer.getBytes(offset, in.array());
    String signature = readString(in);
    if (!signature.equals(spec.flowSignature())) {
      reportPeerFailure(new TransportException("process " + peer + " at " + spec.addresses().get(peer)
          + " runs a different dataflow, worker count or registered types: theirs is [" + signature + "], ours is ["
          + spec.flowSignature() + "]"));
      return;
    }
    Map<Integer, List<String>> listed = new HashMap<>();
    for (int steps = in.getInt(); steps > 0; steps--) {
      int step = in.getInt();
      List<String> names = new ArrayList<>();
      for (int n = in.getInt(); n > 0; n--) {
        names.add(readString(in));
      }
      listed.put(step, names);
    }
    partitionsByProcess.put(peer, listed);
    peerOfControlSession.put(header.sessionId(), peer);
    helloFrom[peer] = true;
  }

  /**
   * [HELLO][process id] like every control message, then, big-endian: the flow signature and, per
   * step with fixed partitions, its index and partition names; strings are length-prefixed UTF-8.
   */
  private byte[] helloMessage() {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    java.io.DataOutputStream out = new java.io.DataOutputStream(bytes);
    try {
      // the header exactly as every control message has it (read with the buffer's byte order)
      bytes.write(controlMessage(HELLO, ""));
      writeString(out, spec.flowSignature());
      out.writeInt(spec.partitions().size());
      for (Map.Entry<Integer, List<String>> e : spec.partitions().entrySet()) {
        out.writeInt(e.getKey());
        out.writeInt(e.getValue().size());
        for (String name : e.getValue()) {
          writeString(out, name);
        }
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static void writeString(java.io.DataOutputStream out, String s) throws java.io.IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  private static String readString(java.nio.ByteBuffer in) {
    byte[] b = new byte[in.getInt()];
    in.get(b);
    return new String(b, StandardCharsets.UTF_8);
  }

  @Override
  public Map<Integer, List<String>> partitionsOf(int process) {
    Map<Integer, List<String>> listed = partitionsByProcess.get(process);
    if (listed == null) {
      throw new IllegalStateException("no hello from process " + process + " yet");
    }
    return listed;
  }

  private void onImageGone(Image image) {
    Integer peer = peerOfControlSession.get(image.sessionId());
    if (peer != null) {
      goneFrom[peer] = true;
    }
    if (peer == null || closed.get() || finishedFrom[peer]) {
      return;
    }
    reportPeerFailure(new TransportException("lost process " + peer + " (" + spec.addresses().get(peer)
        + "): no word from it for " + settings.peerTimeout().toMillis() + " ms before it finished"));
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

  /** This process's receiving side failed (e.g. a batch it may not deserialize): the run stops and abort() tells the peers. */
  private void reportLocalFailure(TransportException e) {
    if (inbound != null && !leaving) {
      inbound.peerFailed(e);
    }
  }

  private void onClientError(Throwable t) {
    if (!closed.get()) {
      LOG.warn("Aeron client error in process {}", spec.processId(), t);
    }
  }

  private void onPollerError(Throwable t) {
    reportLocalFailure(new TransportException("the receiving side of process " + spec.processId() + " failed: " + t, t));
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
    byte[] msg = controlMessage(FINISHED, "");
    int me = spec.processId();
    long nextOffer = 0;
    while (true) {
      boolean all = true;
      boolean offerNow = System.nanoTime() - nextOffer >= 0;
      for (int p = 0; p < spec.processes(); p++) {
        if (p == me) {
          continue;
        }
        boolean heard = finishAckedBy[p] || goneFrom[p];
        if (!heard && offerNow) {
          controlOut[p].offer(new UnsafeBuffer(msg));
        }
        all &= finishedFrom[p] && heard;
      }
      if (offerNow) {
        nextOffer = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
      }
      if (all) {
        return;
      }
      Throwable failure = peerFailure;
      if (failure != null) {
        throw new TransportException("while waiting for the other processes to finish: " + failure.getMessage(), failure);
      }
      if (aborted.get()) {
        throw new TransportException("aborted while waiting for the other processes to finish");
      }
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
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
    failedMessage = controlMessage(FAILED, text.length() > 2000 ? text.substring(0, 2000) + "..." : text);
    sendFailed();
  }

  /**
   * Offers FAILED to every peer that has not confirmed it yet; a peer's confirmation comes back
   * as FAILED_ACK. Returns whether every peer that may still listen has confirmed.
   */
  private boolean sendFailed() {
    boolean all = true;
    for (int p = 0; p < spec.processes(); p++) {
      if (p == spec.processId() || failedOrAckedFrom[p] || controlOut[p] == null) {
        continue;
      }
      if (!controlOut[p].isConnected()) {
        // while joining, a peer not connected yet may still be coming: keep trying (bounded);
        // later, a peer that is not connected is gone
        all &= !joining;
        continue;
      }
      controlOut[p].offer(new UnsafeBuffer(failedMessage));
      all = false;
    }
    return all;
  }

  /**
   * After an abort, keeps offering FAILED until every connected peer confirmed it (bounded): the
   * media driver must not close while the message may still be unsent, or the peers would only
   * notice this process's failure as a lost peer, seconds later.
   */
  private void awaitFailureHeard() {
    long deadline = System.nanoTime() + ABORT_ACK_TIMEOUT.toNanos();
    // before the poller runs (failing while joining) nobody else reads the acknowledgements
    FragmentAssembler ownPoll = poller == null && control != null ? new FragmentAssembler(this::onControl) : null;
    while (!sendFailed() && System.nanoTime() < deadline) {
      if (ownPoll != null) {
        control.poll(ownPoll, 16);
      }
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    leaving = true;
    if (failedMessage != null && controlOut != null) {
      awaitFailureHeard();
    }
    CloseHelper.quietClose(poller);
    CloseHelper.quietClose(aeron);
    CloseHelper.quietClose(driver);
  }

  // ------------------------------------------------------------------ helpers

  private byte[] controlMessage(byte type, String text) {
    byte[] t = text.getBytes(StandardCharsets.UTF_8);
    byte[] msg = new byte[5 + t.length];
    UnsafeBuffer b = new UnsafeBuffer(msg);
    b.putByte(0, type);
    b.putInt(1, spec.processId());
    b.putBytes(5, t);
    return msg;
  }

  /**
   * The serde used when the run configuration names none: {@link ForySerde}, which creates only
   * JDK value types, Sluice's own and the flow's registered types. The testkit's serde check uses
   * it too, so that a one-process test fails where a cluster would.
   */
  public static Serde defaultSerde(List<String> registeredTypes) {
    return new ForySerde(registeredTypes);
  }

  /** The embedded media driver every Sluice process runs (its own, or the JVM's shared one). */
  static MediaDriver.Context driverContext(Path dir, Settings settings, String name) {
    return new MediaDriver.Context()
        .aeronDirectoryName(dir.toString())
        .dirDeleteOnStart(true)
        .dirDeleteOnShutdown(true)
        .threadingMode(ThreadingMode.SHARED)
        .sharedIdleStrategy(new BackoffIdleStrategy(1, 10, 1_000, 1_000_000))
        .termBufferSparseFile(true)
        .publicationTermBufferLength(settings.termLength())
        .imageLivenessTimeoutNs(settings.peerTimeout().toNanos())
        .publicationConnectionTimeoutNs(settings.peerTimeout().toNanos())
        .errorHandler(t -> LOG.warn("{}: {}", name, t.toString()));
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
