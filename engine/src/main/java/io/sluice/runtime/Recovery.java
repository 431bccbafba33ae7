package io.sluice.runtime;

import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.Step;
import io.sluice.inputs.FixedPartitionedSource;
import io.sluice.inputs.Routing;
import io.sluice.outputs.FixedPartitionedSink;
import io.sluice.recovery.internal.RecoveryFiles;
import io.sluice.run.RecoveryConfig;
import io.sluice.run.RunConfig;
import io.sluice.run.StepFailedException;
import io.sluice.serde.Serde;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This process's side of the recovery store for one run: it reads back what the run resumes from
 * (on the thread that starts the run, before any worker runs), and a writer thread writes the
 * snapshots the workers hand over at every epoch close, then records each worker's epoch as
 * written. Workers never touch SQLite: they serialize their snapshots (so later changes to a
 * state object cannot leak into a snapshot) and go on.
 */
final class Recovery implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Recovery.class);
  /** Epochs a worker may have handed over and not yet seen written. */
  private static final int IN_FLIGHT = 2;
  private static final Duration WRITE_WAIT = Duration.ofSeconds(60);

  /** A chunk to write: {@code entries} snapshots of {@code step} for recovery partition {@code partition}. */
  record Chunk(String step, int partition, int entries, byte[] data) {}

  /** A worker's epoch to write ({@code snapshots} null: the worker ended after {@code epoch}). */
  private record EpochWrite(int worker, long epoch, Snapshots snapshots, long timeMillis, boolean atEnd) {}

  /**
   * One worker's snapshots of one epoch as it handed them over: (step, key, state) triples, where
   * a state is null for a discarded key, an immutable value (see {@link #immutable}), or its bytes,
   * serialized on the worker's thread, in a {@link Serialized}.
   */
  static final class Snapshots {
    private Object[] triples = new Object[48];
    private int size;

    void add(String step, Object key, Object state) {
      if (size + 3 > triples.length) {
        triples = java.util.Arrays.copyOf(triples, triples.length * 2);
      }
      triples[size++] = step;
      triples[size++] = key;
      triples[size++] = state;
    }

    int count() {
      return size / 3;
    }
  }

  /** A state serialized on the worker's thread, because its type may be mutable. */
  private record Serialized(byte[] bytes) {}

  /** A source partition's state (an immutable value or {@link Serialized}) and its time when the epoch opened. */
  private record SourceState(Object state, long timeMillis) {}

  /**
   * Whether a state of this class cannot change once handed over, so the writer thread may
   * serialize it later: the JDK's immutable value types and enums. Keys are always handed over
   * as they are: a key is immutable once keyed (routing and state lookup rely on it).
   */
  private static final ClassValue<Boolean> IMMUTABLE = new ClassValue<>() {
    @Override
    protected Boolean computeValue(Class<?> c) {
      return c == String.class || c == Long.class || c == Integer.class || c == Double.class || c == Float.class
          || c == Short.class || c == Byte.class || c == Character.class || c == Boolean.class
          || c == java.math.BigDecimal.class || c == java.math.BigInteger.class || c == java.util.UUID.class
          || c == java.time.Instant.class || c == java.time.Duration.class || c == java.time.LocalDate.class
          || c == java.time.LocalDateTime.class || c == java.time.LocalTime.class || c == java.time.ZonedDateTime.class
          || c == java.time.OffsetDateTime.class || c == java.time.ZoneOffset.class || c.isEnum()
          || c.getSuperclass() != null && c.getSuperclass().isEnum();
    }
  };

  static boolean immutable(Object state) {
    Class<?> c = state.getClass();
    return c == Long.class || c == String.class || c == Integer.class || c == Double.class || IMMUTABLE.get(c);
  }

  /** Put in the queue by {@link #close} to wake the writer; never written. */
  private static final EpochWrite WAKE = new EpochWrite(-1, -1, new Snapshots(), 0, false);

  private final Path dir;
  /** This process's hold on the store: a second run of the same process id is refused while it is held. */
  private final java.nio.channels.FileLock lock;
  private final Connection[] parts;
  private final Serde serde;
  private final String flowName;
  private final int firstWorker;
  private final int workerCount;
  private final int processes;
  private final boolean collector;
  private final long keepEpochs;
  /** The newest complete epoch the run resumes from (0: a fresh start). */
  final long resumeEpoch;
  /**
   * The run's time when the resume epoch opened, in ms since 1970 ({@link Long#MIN_VALUE}: a fresh
   * start); virtual time goes on from it.
   */
  final long resumeTimeMillis;
  /** step id -> partition name -> state, for source and sink partitions. */
  private final Map<String, Map<String, Object>> partitionStates = new HashMap<>();
  /** step id -> partition name -> the partition's time when the resume epoch opened, for source partitions. */
  private final Map<String, Map<String, Long>> partitionTimes = new HashMap<>();
  /** Steps reading a fixed-partitioned source: their snapshots carry the partition's time. */
  private final Set<String> sourceSteps = new HashSet<>();
  /** step id -> local worker -> key -> state, for stateful steps. */
  private final Map<String, List<Map<Object, Object>>> keyStates = new HashMap<>();
  private final ArrayBlockingQueue<EpochWrite> queue;
  private final AtomicLongArray submitted;
  private final AtomicLongArray written;
  /** What {@link #awaitWritten} waits for: {@link #written}, published once {@link #completed} counts it. */
  private final AtomicLongArray acknowledged;
  private volatile long completed;
  private volatile Throwable writeFailure;
  private volatile boolean closing;
  private final Thread writer;
  private final Execution execution;
  private long lastGcCutoff;
  /** Epochs a local worker's input ended with (writer thread only). */
  private final java.util.TreeSet<Long> atEnd = new java.util.TreeSet<>();
  /** The newest epoch any local worker wrote (writer thread only). */
  private long highestWritten;
  private long lastGcNanos;
  /** Per partition: the entries its last compaction kept, or that the resume read (process 0's writer only). */
  private final long[] live;
  private static final int COMPACT_FACTOR = 3;
  private static final int SMALL_COMPACTION = 100_000;

  private Recovery(Execution execution, RecoveryConfig cfg, Dataflow flow, RunConfig config, Serde serde) {
    this.execution = execution;
    this.dir = cfg.directory();
    this.serde = serde;
    this.flowName = flow.name();
    this.firstWorker = config.processId() * config.workersPerProcess();
    this.workerCount = config.workerCount();
    this.processes = config.processes();
    this.collector = config.processId() == 0;
    long interval = Math.max(1, config.epochInterval().toMillis());
    this.keepEpochs = cfg.backupInterval().isZero() ? 0 : (cfg.backupInterval().toMillis() + interval - 1) / interval;
    List<Path> files = RecoveryFiles.checkedPartitions(dir);
    this.lock = lock(dir, config.processId());
    this.parts = new Connection[files.size()];
    this.live = new long[files.size()];
    try {
      for (int i = 0; i < files.size(); i++) {
        parts[i] = RecoveryFiles.openChecked(files.get(i), files.size(), i);
      }
      checkFlow(flow);
      List<RecoveryFiles.Commit> commits = new ArrayList<>();
      for (Connection c : parts) {
        RecoveryFiles.readCommits(c, commits);
      }
      List<Long> complete = RecoveryFiles.completeEpochs(commits);
      this.resumeEpoch = complete.isEmpty() ? 0 : complete.get(complete.size() - 1);
      long time = Long.MIN_VALUE; // none: a fresh start keeps the run's own origin, even one before 1970
      for (RecoveryFiles.Commit commit : commits) {
        if (commit.epoch() <= resumeEpoch) {
          time = Math.max(time, commit.timeMillis());
        }
      }
      discardAfter(resumeEpoch);
      seal(resumeEpoch, commits, time);
      long t0 = System.nanoTime();
      long read = load(flow, config.workersPerProcess());
      // the slowest source partition's time, if the snapshots hold them: a step's time is the
      // smallest of its inputs', so no step starts ahead of where it was (timers fire where they would have)
      long slowest = partitionTimes.values().stream().flatMap(m -> m.values().stream()).mapToLong(Long::longValue)
          .min().orElse(time);
      this.resumeTimeMillis = slowest;
      if (resumeEpoch > 0) {
        LOG.info("dataflow '{}' resumes from epoch {} of recovery store {}: read {} snapshots in {} ms", flowName,
            resumeEpoch, dir, read, (System.nanoTime() - t0) / 1_000_000);
      }
    } catch (SQLException e) {
      close();
      throw new IllegalArgumentException("cannot read recovery store " + dir + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    this.completed = resumeEpoch;
    this.lastGcCutoff = 0;
    this.highestWritten = resumeEpoch;
    int local = config.workersPerProcess();
    // per worker: IN_FLIGHT epochs (hasRoom) and its end marker
    this.queue = new ArrayBlockingQueue<>(local * (IN_FLIGHT + 1));
    this.submitted = new AtomicLongArray(local);
    this.written = new AtomicLongArray(local);
    this.acknowledged = new AtomicLongArray(local);
    for (int l = 0; l < local; l++) {
      submitted.set(l, resumeEpoch);
      written.set(l, resumeEpoch);
      acknowledged.set(l, resumeEpoch);
    }
    this.writer = new Thread(this::writeLoop, "sluice-" + flowName + "-recovery-writer");
    this.writer.setDaemon(true);
  }

  /**
   * Locks {@code process-<id>.lock} in the store (an OS file lock, released when the run closes the
   * store or its process dies), so a second run of the same process on the same store is refused
   * instead of writing the same epochs as the first.
   */
  private static java.nio.channels.FileLock lock(Path dir, int processId) {
    Path file = dir.resolve("process-" + processId + ".lock");
    java.nio.channels.FileChannel ch = null;
    try {
      ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.WRITE);
      java.nio.channels.FileLock l;
      try {
        l = ch.tryLock();
      } catch (java.nio.channels.OverlappingFileLockException e) {
        l = null; // held by another run in this JVM
      }
      if (l == null) {
        ch.close();
        throw new IllegalArgumentException("recovery store " + dir + " is in use by another run of process " + processId
            + " (it holds " + file + "): two runs writing one store would mix their epochs; stop the other run, or"
            + " give this one its own recovery directory");
      }
      return l;
    } catch (java.io.IOException e) {
      if (ch != null) {
        try {
          ch.close();
        } catch (java.io.IOException ignored) {
          // already failing
        }
      }
      throw new IllegalArgumentException("cannot lock recovery store " + dir + " (" + file + "): " + e.getMessage(), e);
    }
  }

  /** Opens the store for a run of {@code flow}, or refuses with what is wrong; nothing is written yet. */
  static Recovery open(Execution execution, RecoveryConfig cfg, Dataflow flow, RunConfig config) {
    return new Recovery(execution, cfg, flow, config, serdeFor(config, flow));
  }

  /** The serde snapshots use: the run's, else the cluster transport's default, else Java serialization. */
  static Serde serdeFor(RunConfig config, Dataflow flow) {
    if (config.serde() != null) {
      return config.serde();
    }
    List<String> types = flow.registeredTypeNames().stream().sorted().distinct().toList();
    synchronized (SERDES) {
      return SERDES.computeIfAbsent(types, Recovery::defaultSerde);
    }
  }

  /**
   * Default snapshot serdes by registered types, the 16 most recently used kept: building one
   * (a Fory with its class registrations) costs more than many small runs with recovery take, and
   * a serde is thread-safe and holds no run's state.
   */
  private static final Map<List<String>, Serde> SERDES = new java.util.LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<List<String>, Serde> eldest) {
      return size() > 16;
    }
  };

  private static Serde defaultSerde(List<String> types) {
    for (io.sluice.transport.TransportFactory f : java.util.ServiceLoader.load(io.sluice.transport.TransportFactory.class)) {
      Serde s = f.snapshotSerde(types);
      if (s != null) {
        return s;
      }
    }
    List<String> allowed = new ArrayList<>(types);
    allowed.add("io.sluice.");
    return new io.sluice.serde.JavaSerde(allowed);
  }


  void start() {
    writer.start();
  }

  // ------------------------------------------------------------------ resume

  /** The flow in the store must be this one, and every step with state in it must still exist. */
  private void checkFlow(Dataflow flow) throws SQLException {
    Set<String> stepsWithState = new HashSet<>();
    for (Step s : flow.steps()) {
      if (s instanceof Step.StatefulBatch
          || s instanceof Step.Input in && in.source() instanceof FixedPartitionedSource<?, ?>
          || s instanceof Step.Output out && out.sink() instanceof FixedPartitionedSink<?, ?>) {
        stepsWithState.add(s.id());
      }
    }
    for (Connection c : parts) {
      String stored = RecoveryFiles.meta(c, "flow");
      if (stored != null && !stored.equals(flowName)) {
        throw new IllegalArgumentException("recovery store " + dir + " belongs to flow '" + stored + "', not '" + flowName
            + "': give each flow its own recovery directory");
      }
      try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT DISTINCT step_id FROM snaps")) {
        while (rs.next()) {
          String step = rs.getString(1);
          if (!stepsWithState.contains(step)) {
            throw new IllegalArgumentException("recovery store " + dir + " holds state of step '" + step + "', which flow '"
                + flowName + "' no longer has (renamed or removed?): resuming would lose that state. Give the step its old"
                + " id, or start from a new recovery directory");
          }
        }
      }
    }
    for (Connection c : parts) {
      try (PreparedStatement ps = c.prepareStatement("INSERT OR IGNORE INTO meta VALUES ('flow', ?)")) {
        ps.setString(1, flowName);
        ps.executeUpdate();
      }
    }
  }

  /**
   * Makes the resume epoch complete by commits of its own, and deletes every "ended" commit: those
   * of an earlier run say its workers wrote every later epoch, which the workers of this run, alive
   * again, will not have (a continuation that crashed would otherwise resume from an epoch one of
   * its workers never wrote). Idempotent, so every process of a cluster may do it as it opens.
   */
  private void seal(long epoch, List<RecoveryFiles.Commit> commits, long timeMillis) throws SQLException {
    int count = epoch == 0 ? -1 : RecoveryFiles.completeIn(commits, epoch);
    for (int p = 0; p < parts.length; p++) {
      Connection c = parts[p];
      c.setAutoCommit(false);
      try (PreparedStatement add = c.prepareStatement("INSERT OR REPLACE INTO commits VALUES (?, ?, ?, 0, ?, 0)");
          PreparedStatement ended = c.prepareStatement("DELETE FROM commits WHERE ended = 1")) {
        for (int w = p; w < count; w += parts.length) {
          add.setLong(1, epoch);
          add.setInt(2, w);
          add.setInt(3, count);
          add.setLong(4, timeMillis);
          add.addBatch();
        }
        add.executeBatch();
        ended.executeUpdate();
        c.commit();
      } catch (SQLException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
    }
  }

  /** Removes what was written after the resume epoch: epochs that never completed. */
  private void discardAfter(long epoch) throws SQLException {
    for (Connection c : parts) {
      try (PreparedStatement a = c.prepareStatement("DELETE FROM snaps WHERE snap_epoch > ?");
          PreparedStatement b = c.prepareStatement("DELETE FROM commits WHERE epoch > ?")) {
        a.setLong(1, epoch);
        a.executeUpdate();
        b.setLong(1, epoch);
        b.executeUpdate();
      }
    }
  }

  /** Reads each key's newest snapshot up to the resume epoch; keeps the keys this process's workers own now. */
  private long load(Dataflow flow, int localWorkers) throws SQLException {
    Set<String> stateful = new HashSet<>();
    for (Step s : flow.steps()) {
      if (s instanceof Step.Input in && in.source() instanceof FixedPartitionedSource<?, ?>) {
        sourceSteps.add(s.id());
      }
      if (s instanceof Step.StatefulBatch) {
        stateful.add(s.id());
        List<Map<Object, Object>> perWorker = new ArrayList<>();
        for (int l = 0; l < localWorkers; l++) {
          perWorker.add(new HashMap<>());
        }
        keyStates.put(s.id(), perWorker);
      }
    }
    if (resumeEpoch == 0) {
      return 0;
    }
    long entries = 0;
    for (int p = 0; p < parts.length; p++) {
      int partition = p;
      entries += RecoveryFiles.forEachNewest(parts[p], resumeEpoch, (step, entry) -> {
        if (!entry.discarded()) {
          live[partition]++;
        }
        restore(step, entry, stateful.contains(step), localWorkers);
      });
    }
    return entries;
  }

  private void restore(String step, RecoveryFiles.ChunkReader entry, boolean stateful, int localWorkers) {
    if (entry.discarded()) {
      return;
    }
    try {
      if (stateful) {
        int owner = Math.floorMod(entry.keyHash(), workerCount) - firstWorker;
        if (owner >= 0 && owner < localWorkers) {
          keyStates.get(step).get(owner).put(key(entry), serde.deserialize(entry.state()));
        }
      } else if (sourceSteps.contains(step)) {
        byte[] stored = entry.state();
        if (stored.length < 8) {
          throw new IllegalArgumentException("recovery store " + dir + " is corrupt: the snapshot of a partition of step '"
              + step + "' holds " + stored.length + " bytes, fewer than its 8-byte time");
        }
        String partition = new String(entry.key(), StandardCharsets.UTF_8);
        long time = java.nio.ByteBuffer.wrap(stored, 0, 8).getLong();
        partitionTimes.computeIfAbsent(step, x -> new HashMap<>()).put(partition, time);
        partitionStates.computeIfAbsent(step, x -> new HashMap<>())
            .put(partition, serde.deserialize(java.util.Arrays.copyOfRange(stored, 8, stored.length)));
      } else {
        partitionStates.computeIfAbsent(step, x -> new HashMap<>())
            .put(new String(entry.key(), StandardCharsets.UTF_8), serde.deserialize(entry.state()));
      }
    } catch (RuntimeException e) {
      throw StepFailedException.during(step, -1, "reading its snapshots back from recovery store " + dir, e);
    }
  }

  /**
   * Under virtual time, a source partition's time when the resume epoch opened (ms since 1970), or
   * {@link Long#MIN_VALUE} if its snapshot holds none.
   */
  long partitionTime(String step, String partition) {
    Map<String, Long> m = partitionTimes.get(step);
    Long t = m == null ? null : m.get(partition);
    return t == null ? Long.MIN_VALUE : t;
  }

  /** The resume state of partition {@code partition} of a source or sink step, or null. */
  Object partitionState(String step, String partition) {
    Map<String, Object> m = partitionStates.get(step);
    return m == null ? null : m.get(partition);
  }

  /** The keys of stateful step {@code step} that global worker {@code worker} owns now, with their states. */
  Map<Object, Object> keyStates(String step, int worker) {
    List<Map<Object, Object>> perWorker = keyStates.get(step);
    Map<Object, Object> m = perWorker.get(worker - firstWorker);
    perWorker.set(worker - firstWorker, Map.of()); // handed over once
    return m;
  }

  // ------------------------------------------------------------------ writing (workers hand over, the writer writes)

  /** Starts collecting a worker's snapshots for one epoch. */
  EpochBuilder epoch(int worker) {
    return new EpochBuilder(worker);
  }

  /**
   * One worker's snapshots of one epoch, collected on the worker's thread: a state of a type that
   * may change later is serialized at once (so later changes cannot leak into the snapshot, as
   * Bytewax requires {@code snapshot()} to return an effectively immutable value); immutable
   * states and keys are handed over as they are and serialized by the writer thread, off the
   * worker's path.
   */
  final class EpochBuilder {
    private final int worker;
    private final Snapshots snapshots = new Snapshots();

    private EpochBuilder(int worker) {
      this.worker = worker;
    }

    /** Adds {@code key}'s snapshot in {@code step}; {@code state} null records that it was discarded. */
    void add(String step, Object key, Object state) {
      Object s = state;
      if (state != null && !immutable(state)) {
        try {
          s = new Serialized(serde.serialize(state));
        } catch (RuntimeException e) {
          throw snapshotFailure(step, worker, key, e);
        }
      }
      snapshots.add(step, key, s);
    }

    /**
     * Adds a source partition's resume state, with the partition's time when the epoch opened (ms
     * since 1970): a run resumed from the epoch starts the partition there on virtual time.
     */
    void addSource(String step, String partition, Object state, long timeMillis) {
      if (state == null) {
        snapshots.add(step, partition, null); // nothing to resume from: as a discarded key
        return;
      }
      Object s = state;
      if (!immutable(state)) {
        try {
          s = new Serialized(serde.serialize(state));
        } catch (RuntimeException e) {
          throw snapshotFailure(step, worker, partition, e);
        }
      }
      snapshots.add(step, partition, new SourceState(s, timeMillis));
    }

    Snapshots finish() {
      return snapshots;
    }
  }

  private static StepFailedException snapshotFailure(String step, int worker, Object key, RuntimeException e) {
    return StepFailedException.during(step, worker, "snapshotting " + StepFailedException.describe(key)
        + " (snapshots cross into the recovery store like items cross processes: register the state's type with"
        + " Dataflow.registerTypes)", e);
  }

  /**
   * Encodes a worker's snapshots into chunks per step and recovery partition (on the writer
   * thread): routing bytes, the serialized key (nothing for a key that is an ASCII string: its
   * routing bytes are the string), the serialized state.
   */
  private List<Chunk> encode(int worker, Snapshots s) {
    Map<String, RecoveryFiles.ChunkWriter[]> open = new HashMap<>();
    List<Chunk> chunks = new ArrayList<>();
    Object[] t = s.triples;
    for (int i = 0; i < s.size; i += 3) {
      String step = (String) t[i];
      Object key = t[i + 1];
      Object state = t[i + 2];
      byte[] k;
      String keyClass;
      byte[] serKey;
      byte[] serState;
      try {
        k = Routing.keyBytes(key);
        keyClass = key instanceof String str && ascii(str) ? null : key.getClass().getName();
        serKey = keyClass == null ? null : serde.serialize(key);
        serState = state instanceof SourceState src ? withTime(src.timeMillis(), bytes(src.state())) : bytes(state);
      } catch (RuntimeException e) {
        throw snapshotFailure(step, worker, key, e);
      }
      int partition = Math.floorMod(Routing.murmur3(k), parts.length);
      RecoveryFiles.ChunkWriter[] writers = open.computeIfAbsent(step, x -> new RecoveryFiles.ChunkWriter[parts.length]);
      RecoveryFiles.ChunkWriter w = writers[partition];
      if (w == null) {
        w = new RecoveryFiles.ChunkWriter();
        writers[partition] = w;
      }
      w.add(k, keyClass, serKey, serState);
      if (w.size() >= RecoveryFiles.CHUNK_BYTES) {
        int n = w.entries();
        chunks.add(new Chunk(step, partition, n, w.take()));
      }
    }
    open.forEach((step, writers) -> {
      for (int p = 0; p < writers.length; p++) {
        if (writers[p] != null && writers[p].entries() > 0) {
          int n = writers[p].entries();
          chunks.add(new Chunk(step, p, n, writers[p].take()));
        }
      }
    });
    return chunks;
  }

  /** A state's bytes: serialized by the worker already, or now; null for a discarded key. */
  private byte[] bytes(Object state) {
    return state == null ? null : state instanceof Serialized ser ? ser.bytes() : serde.serialize(state);
  }

  /** A source partition's stored state: its time (8 bytes, big-endian ms since 1970), then its serialized state. */
  private static byte[] withTime(long timeMillis, byte[] state) {
    return java.nio.ByteBuffer.allocate(8 + state.length).putLong(timeMillis).put(state).array();
  }

  private static boolean ascii(String s) {
    for (int i = 0, n = s.length(); i < n; i++) {
      if (s.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }

  /** A key as it was snapshotted: an ASCII string key is the string of its routing bytes. */
  private Object key(RecoveryFiles.ChunkReader entry) {
    return entry.asciiStringKey() ? new String(entry.key(), StandardCharsets.US_ASCII) : serde.deserialize(entry.serKey());
  }

  boolean hasRoom(int worker) {
    int l = worker - firstWorker;
    return submitted.get(l) - written.get(l) < IN_FLIGHT && writeFailure == null;
  }

  /**
   * Hands over worker {@code worker}'s snapshots of {@code epoch}. {@code atEnd}: the worker's
   * sources all ended with this epoch, so its stateful steps' {@code onEof} output comes after it:
   * the epoch then completes only once every worker has ended (after {@code onEof}), else a run
   * resumed from it would start behind the end of input and never emit that output.
   */
  void submit(int worker, long epoch, Snapshots snapshots, long timeMillis, boolean atEnd) {
    if (!queue.offer(new EpochWrite(worker, epoch, snapshots, timeMillis, atEnd))) {
      throw new IllegalStateException("recovery writer queue full despite hasRoom");
    }
    submitted.set(worker - firstWorker, epoch);
  }

  /**
   * Worker {@code worker} ended after closing {@code epoch}: from then on it counts as having
   * written every epoch (it has nothing more to write). Waits (bounded) for room.
   */
  void ended(int worker, long epoch, long timeMillis) {
    try {
      if (!queue.offer(new EpochWrite(worker, epoch, null, timeMillis, false), WRITE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("worker " + worker + ": recovery store " + dir + " took no write within "
            + WRITE_WAIT.toSeconds() + " s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    submitted.set(worker - firstWorker, Long.MAX_VALUE);
  }

  /** The newest epoch complete in the whole cluster (written by every worker). */
  long completed() {
    return completed;
  }

  /** Waits (bounded) until worker {@code worker}'s epochs up to {@code epoch} are written. */
  void awaitWritten(int worker, long epoch) {
    long deadline = System.nanoTime() + WRITE_WAIT.toNanos();
    int l = worker - firstWorker;
    while (acknowledged.get(l) < epoch) {
      Throwable f = writeFailure;
      if (f != null) {
        throw new IllegalStateException("writing to recovery store " + dir + " failed: " + f, f);
      }
      if (execution.isStopping()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("worker " + worker + ": recovery store " + dir + " did not write epoch " + epoch
            + " within " + WRITE_WAIT.toSeconds() + " s (written: " + acknowledged.get(l) + ")");
      }
      java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
    }
  }

  private void writeLoop() {
    List<EpochWrite> batch = new ArrayList<>();
    try {
      while (true) {
        EpochWrite first = queue.poll(processes > 1 && completed < minWritten() ? 100 : 500, TimeUnit.MILLISECONDS);
        if (first == WAKE) {
          first = queue.poll(); // woken by close: write what is left, then stop
        }
        if (first != null) {
          batch.add(first);
          queue.drainTo(batch);
          batch.removeIf(w -> w == WAKE);
          long t0 = System.nanoTime();
          long[] counts = write(batch);
          io.sluice.run.RunObserver observer = execution.config.observer();
          if (observer != null && counts[0] > 0) {
            observer.snapshotsWritten(counts[2], counts[0], counts[1], System.nanoTime() - t0);
          }
          for (EpochWrite w : batch) {
            written.set(w.worker - firstWorker, w.snapshots == null ? Long.MAX_VALUE : w.epoch);
            if (w.snapshots != null) {
              highestWritten = Math.max(highestWritten, w.epoch);
              if (w.atEnd) {
                atEnd.add(w.epoch);
              }
            }
          }
        }
        updateCompleted();
        for (EpochWrite w : batch) {
          acknowledged.set(w.worker - firstWorker, written.get(w.worker - firstWorker));
        }
        batch.clear();
        if (first == null && closing && queue.isEmpty()) {
          collectGarbage(completed, true);
          return;
        }
      }
    } catch (Throwable t) {
      writeFailure = t;
      // a snapshot the writer could not serialize names its step, worker and key: report it as it is
      execution.fail(t instanceof StepFailedException ? t
          : new IllegalStateException("writing to recovery store " + dir + " failed: " + t, t));
    }
  }

  /** Writes the batch; returns the snapshots written, their bytes, and the newest epoch among them. */
  private long[] write(List<EpochWrite> batch) throws SQLException {
    long[] counts = new long[3];
    boolean[] touched = new boolean[parts.length];
    Map<EpochWrite, List<Chunk>> encoded = new HashMap<>();
    for (EpochWrite w : batch) {
      if (w.snapshots != null) {
        counts[2] = Math.max(counts[2], w.epoch);
        List<Chunk> chunks = encode(w.worker, w.snapshots);
        encoded.put(w, chunks);
        for (Chunk ch : chunks) {
          touched[ch.partition()] = true;
          counts[0] += ch.entries();
          counts[1] += ch.data().length;
        }
      }
    }
    // snapshots first, one transaction per partition; the commit rows only once every partition holds them
    for (int p = 0; p < parts.length; p++) {
      if (!touched[p]) {
        continue;
      }
      Connection c = parts[p];
      c.setAutoCommit(false);
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO snaps (step_id, snap_epoch, entries, chunk) VALUES (?, ?, ?, ?)")) {
        for (EpochWrite w : batch) {
          for (Chunk ch : encoded.getOrDefault(w, List.of())) {
            if (ch.partition() != p) {
              continue;
            }
            ps.setString(1, ch.step());
            ps.setLong(2, w.epoch);
            ps.setInt(3, ch.entries());
            ps.setBytes(4, ch.data());
            ps.addBatch();
          }
        }
        ps.executeBatch();
        c.commit();
      } catch (SQLException ex) {
        c.rollback();
        throw ex;
      } finally {
        c.setAutoCommit(true);
      }
    }
    for (EpochWrite w : batch) {
      Connection c = parts[w.worker % parts.length];
      try (PreparedStatement ps = c.prepareStatement("INSERT OR REPLACE INTO commits VALUES (?, ?, ?, ?, ?, ?)")) {
        ps.setLong(1, w.epoch);
        ps.setInt(2, w.worker);
        ps.setInt(3, workerCount);
        ps.setInt(4, w.snapshots == null ? 1 : 0);
        ps.setLong(5, w.timeMillis);
        ps.setInt(6, w.atEnd ? 1 : 0);
        ps.executeUpdate();
      }
    }
    return counts;
  }

  private long minWritten() {
    long min = Long.MAX_VALUE;
    for (int l = 0; l < written.length(); l++) {
      min = Math.min(min, written.get(l));
    }
    return min;
  }

  /** Moves {@link #completed} to the newest epoch every worker of the cluster wrote; collects garbage behind it. */
  private void updateCompleted() throws SQLException {
    // an ended worker counts as having written everything, but no epoch past the newest written is complete
    long local = Math.min(minWritten(), highestWritten);
    while (minWritten() < Long.MAX_VALUE && atEnd.contains(local)) {
      local--; // an epoch a worker's input ended with completes once every worker has ended (after onEof)
    }
    if (local <= completed) {
      return;
    }
    long done;
    if (processes == 1) {
      done = local;
    } else {
      List<RecoveryFiles.Commit> commits = new ArrayList<>();
      for (Connection c : parts) {
        RecoveryFiles.readCommits(c, commits);
      }
      List<Long> complete = RecoveryFiles.completeEpochs(commits);
      done = complete.isEmpty() ? completed : Math.min(local, complete.get(complete.size() - 1));
    }
    if (done > completed) {
      completed = done;
      collectGarbage(done, false);
    }
  }

  /**
   * Deletes what no resume needs, at most once a second and when the run ends (process 0 only):
   * the commits behind the cut (the newest complete epoch minus the backup interval), and, in each
   * partition whose chunks up to the cut hold at least {@value #COMPACT_FACTOR}× the entries its last
   * compaction kept (or, when the run ends, at most {@value #SMALL_COMPACTION} entries, cheap to
   * compact), every entry up to the cut that a newer one replaces (see {@link #compact}). So the
   * store holds at most about {@value #COMPACT_FACTOR}× its live keys' snapshots plus the backup
   * interval's, and each snapshot written is read back by a compaction about once.
   */
  private void collectGarbage(long complete, boolean now) throws SQLException {
    long cutoff = complete - keepEpochs;
    if (!collector || cutoff <= lastGcCutoff || !now && System.nanoTime() - lastGcNanos < TimeUnit.SECONDS.toNanos(1)) {
      return;
    }
    long t0 = System.nanoTime();
    long before = 0;
    long after = 0;
    for (int p = 0; p < parts.length; p++) {
      Connection c = parts[p];
      long[] behind = entriesUpTo(c, cutoff); // entries, epochs
      boolean due = behind[1] > 1 && (behind[0] >= COMPACT_FACTOR * Math.max(live[p], 1_000)
          || now && behind[0] <= SMALL_COMPACTION);
      long[] counts = compact(c, cutoff, due);
      if (due) {
        live[p] = counts[1];
        before += counts[0];
        after += counts[1];
      }
    }
    if (before > 0) {
      LOG.debug("recovery store {}: compacted {} snapshots up to epoch {} into {} in {} ms", dir, before, cutoff, after,
          (System.nanoTime() - t0) / 1_000_000);
    }
    lastGcCutoff = cutoff;
    lastGcNanos = System.nanoTime();
  }

  /** The entries of the chunks up to {@code cutoff}, and their number of distinct epochs. */
  private static long[] entriesUpTo(Connection c, long cutoff) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT COALESCE(SUM(entries), 0), COUNT(DISTINCT snap_epoch) FROM snaps WHERE snap_epoch <= ?")) {
      ps.setLong(1, cutoff);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? new long[] {rs.getLong(1), rs.getLong(2)} : new long[2];
      }
    }
  }

  /**
   * Compacts one partition up to {@code cutoff} if {@code compact}: the newest entry of every key
   * up to the cut is rewritten into new chunks at the newest of those epochs, and the chunks it
   * came from, and the discards, are deleted; the commits behind the cut are deleted either way. One
   * transaction. Returns the entries read and the entries kept.
   */
  private long[] compact(Connection c, long cutoff, boolean compact) throws SQLException {
    long[] counts = new long[2];
    c.setAutoCommit(false);
    try {
      if (compact) {
        RecoveryFiles.NewestFilter newest = new RecoveryFiles.NewestFilter();
        List<Long> rowids = new ArrayList<>();
        Map<String, RecoveryFiles.ChunkWriter> writers = new HashMap<>();
        List<Chunk> kept = new ArrayList<>();
        long[] top = {-1};
        RecoveryFiles.forEachChunk(c, cutoff, (rowid, step, epoch, chunk, n) -> {
          rowids.add(rowid);
          if (top[0] < 0) {
            top[0] = epoch; // newest first
          }
          RecoveryFiles.ChunkReader r = new RecoveryFiles.ChunkReader(chunk, n, step, c, rowid);
          while (r.next()) {
            counts[0]++;
            if (newest.firstSighting(step, r) && !r.discarded()) { // a newest discard hides the older entries: drop all
              RecoveryFiles.ChunkWriter w = writers.computeIfAbsent(step, x -> new RecoveryFiles.ChunkWriter());
              r.copyTo(w);
              counts[1]++;
              if (w.size() >= RecoveryFiles.CHUNK_BYTES) {
                int entries = w.entries();
                kept.add(new Chunk(step, -1, entries, w.take()));
              }
            }
          }
        });
        writers.forEach((step, w) -> {
          if (w.entries() > 0) {
            int entries = w.entries();
            kept.add(new Chunk(step, -1, entries, w.take()));
          }
        });
        try (PreparedStatement delete = c.prepareStatement("DELETE FROM snaps WHERE rowid = ?");
            PreparedStatement insert = c.prepareStatement(
                "INSERT INTO snaps (step_id, snap_epoch, entries, chunk) VALUES (?, ?, ?, ?)")) {
          for (long rowid : rowids) {
            delete.setLong(1, rowid);
            delete.addBatch();
          }
          delete.executeBatch();
          for (Chunk ch : kept) {
            insert.setString(1, ch.step());
            insert.setLong(2, top[0]);
            insert.setInt(3, ch.entries());
            insert.setBytes(4, ch.data());
            insert.addBatch();
          }
          insert.executeBatch();
        }
      }
      try (PreparedStatement commits = c.prepareStatement("DELETE FROM commits WHERE ended = 0 AND epoch < ?")) {
        commits.setLong(1, cutoff);
        commits.executeUpdate();
      }
      c.commit();
    } catch (SQLException | RuntimeException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(true);
    }
    return counts;
  }

  @Override
  public void close() {
    if (writer != null && writer.isAlive()) {
      closing = true;
      queue.offer(WAKE); // a writer waiting in poll stops now, not at its timeout (if the queue is full, it is busy)
      try {
        writer.join(WRITE_WAIT.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    closeParts();
    if (lock != null) {
      try {
        lock.channel().close(); // releases the lock
      } catch (java.io.IOException e) {
        LOG.warn("releasing the lock of recovery store {}: {}", dir, e.toString());
      }
    }
  }

  private void closeParts() {
    if (parts != null) {
      for (Connection c : parts) {
        if (c != null) {
          try {
            c.close();
          } catch (SQLException e) {
            LOG.warn("closing recovery partition of {}: {}", dir, e.toString());
          }
        }
      }
    }
  }
}
