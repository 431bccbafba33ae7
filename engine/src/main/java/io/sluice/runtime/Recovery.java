package io.sluice.runtime;

import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.Step;
import io.sluice.inputs.FixedPartitionedSource;
import io.sluice.inputs.Routing;
import io.sluice.outputs.FixedPartitionedSink;
import io.sluice.recovery.RecoveryStore;
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

  /** One row to write: a key's snapshot (state null: the key was discarded). */
  record Row(String step, int partition, byte[] key, byte[] serKey, byte[] state) {}

  /** A worker's epoch to write ({@code rows} null: the worker ended after {@code epoch}). */
  private record EpochWrite(int worker, long epoch, List<Row> rows) {}

  /** Put in the queue by {@link #close} to wake the writer; never written. */
  private static final EpochWrite WAKE = new EpochWrite(-1, -1, List.of());

  private final Path dir;
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
  /** step id -> partition name -> state, for source and sink partitions. */
  private final Map<String, Map<String, Object>> partitionStates = new HashMap<>();
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
  /** The newest epoch any local worker wrote (writer thread only). */
  private long highestWritten;
  private long lastGcNanos;

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
    List<Path> files = RecoveryStore.checkedPartitions(dir);
    this.parts = new Connection[files.size()];
    try {
      for (int i = 0; i < files.size(); i++) {
        parts[i] = RecoveryStore.openChecked(files.get(i), files.size(), i);
      }
      checkFlow(flow);
      List<RecoveryStore.Commit> commits = new ArrayList<>();
      for (Connection c : parts) {
        RecoveryStore.readCommits(c, commits);
      }
      List<Long> complete = RecoveryStore.completeEpochs(commits);
      this.resumeEpoch = complete.isEmpty() ? 0 : complete.get(complete.size() - 1);
      discardAfter(resumeEpoch);
      long t0 = System.nanoTime();
      int read = load(flow, config.workersPerProcess());
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

  /** Opens the store for a run of {@code flow}, or refuses with what is wrong; nothing is written yet. */
  static Recovery open(Execution execution, RecoveryConfig cfg, Dataflow flow, RunConfig config) {
    return new Recovery(execution, cfg, flow, config, serdeFor(config, flow));
  }

  /** The serde snapshots use: the run's, else the cluster transport's default, else Java serialization. */
  static Serde serdeFor(RunConfig config, Dataflow flow) {
    if (config.serde() != null) {
      return config.serde();
    }
    for (io.sluice.transport.TransportFactory f : java.util.ServiceLoader.load(io.sluice.transport.TransportFactory.class)) {
      Serde s = f.serde(flow.registeredTypeNames());
      if (s != null) {
        return s;
      }
    }
    List<String> allowed = new ArrayList<>(flow.registeredTypeNames());
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
      String stored = RecoveryStore.meta(c, "flow");
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
  private int load(Dataflow flow, int localWorkers) throws SQLException {
    Set<String> stateful = new HashSet<>();
    for (Step s : flow.steps()) {
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
    int rows = 0;
    for (Connection c : parts) {
      rows += RecoveryStore.forEachNewest(c, resumeEpoch,
          (step, key, serKey, state) -> restore(step, key, serKey, state, stateful.contains(step), localWorkers));
    }
    return rows;
  }

  private void restore(String step, byte[] key, byte[] serKey, byte[] state, boolean stateful, int localWorkers) {
    if (state == null) {
      return; // discarded
    }
    try {
      if (stateful) {
        int owner = Math.floorMod(Routing.murmur3(key), workerCount) - firstWorker;
        if (owner >= 0 && owner < localWorkers) {
          keyStates.get(step).get(owner).put(serde.deserialize(serKey), serde.deserialize(state));
        }
      } else {
        partitionStates.computeIfAbsent(step, x -> new HashMap<>())
            .put(new String(key, StandardCharsets.UTF_8), serde.deserialize(state));
      }
    } catch (RuntimeException e) {
      throw StepFailedException.during(step, -1, "reading its snapshots back from recovery store " + dir, e);
    }
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

  /** A row for a key's snapshot, serialized now on the worker's thread; {@code state} null records a discard. */
  Row row(String step, int worker, Object key, Object state) {
    try {
      byte[] k = Routing.keyBytes(key);
      return new Row(step, Math.floorMod(Routing.murmur3(k), parts.length), k, serde.serialize(key),
          state == null ? null : serde.serialize(state));
    } catch (RuntimeException e) {
      throw StepFailedException.during(step, worker, "snapshotting " + StepFailedException.describe(key)
          + " (snapshots cross into the recovery store like items cross processes: register the state's type with"
          + " Dataflow.registerTypes)", e);
    }
  }

  boolean hasRoom(int worker) {
    int l = worker - firstWorker;
    return submitted.get(l) - written.get(l) < IN_FLIGHT && writeFailure == null;
  }

  void submit(int worker, long epoch, List<Row> rows) {
    if (!queue.offer(new EpochWrite(worker, epoch, rows))) {
      throw new IllegalStateException("recovery writer queue full despite hasRoom");
    }
    submitted.set(worker - firstWorker, epoch);
  }

  /**
   * Worker {@code worker} ended after closing {@code epoch}: from then on it counts as having
   * written every epoch (it has nothing more to write). Waits (bounded) for room.
   */
  void ended(int worker, long epoch) {
    try {
      if (!queue.offer(new EpochWrite(worker, epoch, null), WRITE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
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
            written.set(w.worker - firstWorker, w.rows == null ? Long.MAX_VALUE : w.epoch);
            if (w.rows != null) {
              highestWritten = Math.max(highestWritten, w.epoch);
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
      execution.fail(new IllegalStateException("writing to recovery store " + dir + " failed: " + t, t));
    }
  }

  /** Writes the batch; returns the snapshots written, their bytes, and the newest epoch among them. */
  private long[] write(List<EpochWrite> batch) throws SQLException {
    Map<Integer, List<Row>> byPartition = new HashMap<>();
    long[] counts = new long[3];
    for (EpochWrite w : batch) {
      if (w.rows != null) {
        counts[2] = Math.max(counts[2], w.epoch);
        for (Row r : w.rows) {
          byPartition.computeIfAbsent(r.partition(), x -> new ArrayList<>()).add(r);
          counts[0]++;
          counts[1] += r.key().length + r.serKey().length + (r.state() == null ? 0 : r.state().length);
        }
      }
    }
    // snapshots first; the commit rows only once every partition holds them
    for (Map.Entry<Integer, List<Row>> e : byPartition.entrySet()) {
      Connection c = parts[e.getKey()];
      c.setAutoCommit(false);
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO snaps (step_id, state_key, snap_epoch, ser_key, ser_change) VALUES (?, ?, ?, ?, ?)")) {
        for (EpochWrite w : batch) {
          for (Row r : w.rows == null ? List.<Row>of() : w.rows) {
            if (r.partition() != e.getKey()) {
              continue;
            }
            ps.setString(1, r.step());
            ps.setBytes(2, r.key());
            ps.setLong(3, w.epoch);
            ps.setBytes(4, r.serKey());
            ps.setBytes(5, r.state());
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
      try (PreparedStatement ps = c.prepareStatement("INSERT OR REPLACE INTO commits VALUES (?, ?, ?, ?)")) {
        ps.setLong(1, w.epoch);
        ps.setInt(2, w.worker);
        ps.setInt(3, workerCount);
        ps.setInt(4, w.rows == null ? 1 : 0);
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
    if (local <= completed) {
      return;
    }
    long done;
    if (processes == 1) {
      done = local;
    } else {
      List<RecoveryStore.Commit> commits = new ArrayList<>();
      for (Connection c : parts) {
        RecoveryStore.readCommits(c, commits);
      }
      List<Long> complete = RecoveryStore.completeEpochs(commits);
      done = complete.isEmpty() ? completed : Math.min(local, complete.get(complete.size() - 1));
    }
    if (done > completed) {
      completed = done;
      collectGarbage(done, false);
    }
  }

  /**
   * Deletes snapshots no resume needs: those older than the backup interval behind the newest
   * complete epoch that a newer snapshot (no later than that cut) replaces, discards that are the
   * newest, and the commits behind the cut. Process 0 does it, at most every 30 s and when the run
   * ends, in one pass per partition over the rows up to the cut (newest per key kept in memory),
   * deleting by row id in one transaction per partition.
   */
  private void collectGarbage(long complete, boolean now) throws SQLException {
    long cutoff = complete - keepEpochs;
    if (!collector || cutoff <= lastGcCutoff || !now && System.nanoTime() - lastGcNanos < TimeUnit.SECONDS.toNanos(30)) {
      return;
    }
    long t0 = System.nanoTime();
    int deleted = 0;
    for (Connection c : parts) {
      Map<RecoveryStore.SnapKey, long[]> newest = new HashMap<>(); // rowid, 1 if a discard
      List<Long> dead = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement("SELECT rowid, step_id, state_key, ser_change IS NULL FROM snaps"
          + " WHERE snap_epoch <= ? ORDER BY snap_epoch, rowid")) {
        ps.setLong(1, cutoff);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            long[] prev = newest.put(RecoveryStore.SnapKey.of(rs.getString(2), rs.getBytes(3)),
                new long[] {rs.getLong(1), rs.getInt(4)});
            if (prev != null) {
              dead.add(prev[0]);
            }
          }
        }
      }
      for (long[] row : newest.values()) {
        if (row[1] == 1) {
          dead.add(row[0]);
        }
      }
      c.setAutoCommit(false);
      try (PreparedStatement delete = c.prepareStatement("DELETE FROM snaps WHERE rowid = ?");
          PreparedStatement commits = c.prepareStatement("DELETE FROM commits WHERE ended = 0 AND epoch < ?")) {
        for (long rowid : dead) {
          delete.setLong(1, rowid);
          delete.addBatch();
        }
        delete.executeBatch();
        commits.setLong(1, cutoff);
        commits.executeUpdate();
        c.commit();
      } catch (SQLException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
      deleted += dead.size();
    }
    LOG.debug("recovery store {}: deleted {} snapshots replaced by epoch {} in {} ms", dir, deleted, cutoff,
        (System.nanoTime() - t0) / 1_000_000);
    lastGcCutoff = cutoff;
    lastGcNanos = System.nanoTime();
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
