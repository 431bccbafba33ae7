package io.sluice.recovery;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A recovery store on disk, in Bytewax's layout: a directory of {@code N} SQLite recovery
 * partitions {@code part-0.sqlite3} … {@code part-<N-1>.sqlite3}. The snapshots of a key live in
 * partition {@code floorMod(murmur3(keyBytes), N)}, keyed by its routing bytes
 * ({@link io.sluice.inputs.Routing#keyBytes}), so a run at any worker or process count finds them.
 * Each worker records every epoch it wrote completely, and that it ended (after which it has
 * closed every epoch: a worker with nothing to read ends at once); an epoch is complete when every
 * worker of the run that wrote it recorded it or had ended before it.
 *
 * <p>Tables of each partition: {@code snaps(step_id, state_key, snap_epoch, ser_key, ser_change)},
 * appended to in epoch order (a null {@code ser_change} records a discarded key; a key's state at
 * epoch E is its newest row no later than E), {@code commits(epoch, worker_index,
 * worker_count, ended)} and {@code meta(name, value)} (partition index and count, the flow's name).
 */
public final class RecoveryStore {
  private static final Pattern PART = Pattern.compile("part-(\\d+)\\.sqlite3");

  private RecoveryStore() {}

  /**
   * Creates {@code partitions} empty recovery partitions in {@code dir} (created if missing), like
   * Bytewax's {@code python -m bytewax.recovery DIR N}.
   *
   * @throws IllegalArgumentException if {@code partitions < 1} or {@code dir} already holds partitions
   * @throws IllegalStateException    if a file cannot be created
   */
  public static void init(Path dir, int partitions) {
    if (partitions < 1) {
      throw new IllegalArgumentException("a recovery store needs at least 1 partition, got " + partitions);
    }
    try {
      Files.createDirectories(dir);
      if (!partitionFiles(dir).isEmpty()) {
        throw new IllegalArgumentException("recovery directory " + dir + " already holds recovery partitions");
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot create recovery directory " + dir + ": " + e.getMessage(), e);
    }
    for (int i = 0; i < partitions; i++) {
      Path file = dir.resolve("part-" + i + ".sqlite3");
      try (Connection c = connect(file); Statement st = c.createStatement()) {
        st.execute("PRAGMA journal_mode=WAL");
        // append-only: rows arrive in epoch order, so a snapshot's rows land at the end of the table and
        // of the epoch index, and an epoch's write dirties few pages however the keys are spread
        st.execute("CREATE TABLE snaps (step_id TEXT NOT NULL, state_key BLOB NOT NULL, snap_epoch INTEGER NOT NULL,"
            + " ser_key BLOB, ser_change BLOB)");
        st.execute("CREATE INDEX snaps_by_epoch ON snaps (snap_epoch)");
        st.execute("CREATE TABLE commits (epoch INTEGER NOT NULL, worker_index INTEGER NOT NULL,"
            + " worker_count INTEGER NOT NULL, ended INTEGER NOT NULL DEFAULT 0,"
            + " PRIMARY KEY (epoch, worker_index, worker_count, ended)) WITHOUT ROWID");
        st.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT)");
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO meta VALUES (?, ?)")) {
          ps.setString(1, "partition_index");
          ps.setString(2, String.valueOf(i));
          ps.addBatch();
          ps.setString(1, "partition_count");
          ps.setString(2, String.valueOf(partitions));
          ps.addBatch();
          ps.executeBatch();
        }
      } catch (SQLException e) {
        throw new IllegalStateException("cannot create recovery partition " + file + ": " + e.getMessage(), e);
      }
    }
  }

  /** What a store holds: the flow, the complete epochs, and per step the number of keys at the newest one. */
  public record Info(Path directory, int partitions, String flow, long newestCompleteEpoch, List<Long> completeEpochs,
      Map<String, Long> keysPerStep) {
    /** Human-readable lines, as {@code sluice recovery inspect} prints them. */
    public String describe() {
      StringBuilder sb = new StringBuilder();
      sb.append("recovery store ").append(directory).append(": ").append(partitions).append(" partitions, flow ")
          .append(flow == null ? "(none yet)" : "'" + flow + "'").append('\n');
      sb.append("complete epochs: ").append(completeEpochs.isEmpty() ? "none" : completeEpochs.toString())
          .append(", resumes from epoch ").append(newestCompleteEpoch).append('\n');
      keysPerStep.forEach((step, n) -> sb.append("  step '").append(step).append("': ").append(n).append(" keys\n"));
      return sb.toString();
    }
  }

  /**
   * Reads what {@code dir} holds, without changing it.
   *
   * @throws IllegalArgumentException if the directory or a partition is missing or not a recovery partition
   */
  public static Info inspect(Path dir) {
    List<Path> files = checkedPartitions(dir);
    String flow = null;
    Map<String, Long> keys = new TreeMap<>();
    List<Commit> commits = new ArrayList<>();
    List<Connection> conns = new ArrayList<>();
    try {
      for (Path f : files) {
        Connection c = openChecked(f, files.size(), files.indexOf(f));
        conns.add(c);
        String name = meta(c, "flow");
        if (name != null) {
          flow = name;
        }
        readCommits(c, commits);
      }
      List<Long> complete = completeEpochs(commits);
      long newest = complete.isEmpty() ? 0 : complete.get(complete.size() - 1);
      for (Connection c : conns) {
        forEachNewest(c, newest, (step, key, serKey, state) -> keys.merge(step, state != null ? 1L : 0L, Long::sum));
      }
      return new Info(dir, files.size(), flow, newest, complete, keys);
    } catch (SQLException e) {
      throw new IllegalArgumentException("cannot read recovery store " + dir + ": " + e.getMessage(), e);
    } finally {
      for (Connection c : conns) {
        try {
          c.close();
        } catch (SQLException ignored) {
          // read-only use
        }
      }
    }
  }

  // ------------------------------------------------------------------ shared with the runtime (same module, not API)

  /**
   * The partition files of {@code dir}, in index order, after checking that they are exactly
   * {@code part-0 … part-<N-1>}.
   *
   * @throws IllegalArgumentException naming what is missing
   */
  public static List<Path> checkedPartitions(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException("recovery directory " + dir + " does not exist; create it with"
          + " `sluice recovery init " + dir + " N`");
    }
    TreeMap<Integer, Path> found;
    try {
      found = partitionFiles(dir);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot list recovery directory " + dir + ": " + e.getMessage(), e);
    }
    if (found.isEmpty()) {
      throw new IllegalArgumentException("recovery directory " + dir + " holds no recovery partitions; create them"
          + " with `sluice recovery init " + dir + " N`");
    }
    List<Path> files = new ArrayList<>();
    for (int i = 0; i <= found.lastKey(); i++) {
      Path p = found.get(i);
      if (p == null) {
        throw new IllegalArgumentException("recovery partition " + dir.resolve("part-" + i + ".sqlite3")
            + " is missing (the directory has " + found.values().stream().map(x -> x.getFileName().toString()).toList()
            + "); restore it from a backup: resuming without it would lose state");
      }
      files.add(p);
    }
    return files;
  }

  /**
   * Opens a partition and checks it is one: its tables, its index and the partition count.
   *
   * @throws IllegalArgumentException if it is corrupt or belongs to another layout
   */
  public static Connection openChecked(Path file, int partitions, int index) {
    Connection c = null;
    try {
      c = connect(file);
      String idx = meta(c, "partition_index");
      String count = meta(c, "partition_count");
      if (!String.valueOf(index).equals(idx) || !String.valueOf(partitions).equals(count)) {
        throw new IllegalArgumentException("recovery partition " + file + " says it is partition " + idx + " of " + count
            + ", but the directory holds " + partitions + " partitions");
      }
      try (Statement st = c.createStatement()) {
        st.executeQuery("SELECT step_id, state_key, snap_epoch, ser_key, ser_change FROM snaps LIMIT 0").close();
        st.executeQuery("SELECT epoch, worker_index, worker_count, ended FROM commits LIMIT 0").close();
      }
      return c;
    } catch (SQLException e) {
      closeQuietly(c);
      throw new IllegalArgumentException("recovery partition " + file + " is corrupt or not a recovery partition: "
          + e.getMessage(), e);
    } catch (RuntimeException e) {
      closeQuietly(c);
      throw e;
    }
  }

  /** Receives one key's newest snapshot. */
  @FunctionalInterface
  public interface SnapshotVisitor {
    /** {@code state} is null for a key whose newest snapshot records that it was discarded. */
    void visit(String step, byte[] key, byte[] serKey, byte[] state);
  }

  /** A (step, key) pair, compared by content. */
  public record SnapKey(String step, java.nio.ByteBuffer key) {
    public static SnapKey of(String step, byte[] key) {
      return new SnapKey(step, java.nio.ByteBuffer.wrap(key));
    }
  }

  /**
   * Visits, for every (step, key) of the partition, its newest snapshot no later than {@code epoch}
   * (in one pass over the rows in epoch order, keeping the newest per key in memory); returns the
   * rows read.
   */
  public static int forEachNewest(Connection c, long epoch, SnapshotVisitor visitor) throws SQLException {
    int rows = 0;
    Map<SnapKey, byte[][]> newest = new java.util.LinkedHashMap<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT step_id, state_key, ser_key, ser_change FROM snaps"
        + " WHERE snap_epoch <= ? ORDER BY snap_epoch, rowid")) {
      ps.setLong(1, epoch);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          byte[] key = rs.getBytes(2);
          newest.put(SnapKey.of(rs.getString(1), key), new byte[][] {key, rs.getBytes(3), rs.getBytes(4)});
          rows++;
        }
      }
    }
    newest.forEach((k, row) -> visitor.visit(k.step(), row[0], row[1], row[2]));
    return rows;
  }

  /** A worker recorded epoch {@code epoch} as written, or ({@code ended}) that it ended after it. */
  public record Commit(long epoch, int worker, int workerCount, boolean ended) {}

  /** Reads the commits of one partition into {@code into}. */
  public static void readCommits(Connection c, List<Commit> into) throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT epoch, worker_index, worker_count, ended FROM commits")) {
      while (rs.next()) {
        into.add(new Commit(rs.getLong(1), rs.getInt(2), rs.getInt(3), rs.getInt(4) != 0));
      }
    }
  }

  /**
   * The complete epochs, ascending: those that every worker of the run (of that worker count)
   * recorded as written, or had ended at or before.
   */
  public static List<Long> completeEpochs(List<Commit> commits) {
    Map<Integer, Map<Integer, Set<Long>>> written = new HashMap<>();
    Map<Integer, Map<Integer, Long>> endedAt = new HashMap<>();
    for (Commit c : commits) {
      if (c.ended()) {
        endedAt.computeIfAbsent(c.workerCount(), k -> new HashMap<>()).merge(c.worker(), c.epoch(), Math::min);
      } else {
        written.computeIfAbsent(c.workerCount(), k -> new HashMap<>())
            .computeIfAbsent(c.worker(), k -> new TreeSet<>()).add(c.epoch());
      }
    }
    TreeSet<Long> complete = new TreeSet<>();
    written.forEach((count, byWorker) -> {
      Set<Long> candidates = new TreeSet<>();
      byWorker.values().forEach(candidates::addAll);
      Map<Integer, Long> ended = endedAt.getOrDefault(count, Map.of());
      for (long e : candidates) {
        boolean all = true;
        for (int w = 0; w < count && all; w++) {
          Set<Long> mine = byWorker.get(w);
          Long end = ended.get(w);
          all = mine != null && mine.contains(e) || end != null && end <= e;
        }
        if (all) {
          complete.add(e);
        }
      }
    });
    return new ArrayList<>(complete);
  }

  /** A meta value, or null. */
  public static String meta(Connection c, String name) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT value FROM meta WHERE name = ?")) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }

  /** Opens a connection to an existing partition file (never creating one). */
  public static Connection connect(Path file) throws SQLException {
    org.sqlite.SQLiteConfig cfg = new org.sqlite.SQLiteConfig();
    cfg.setBusyTimeout(30_000);
    cfg.setJournalMode(org.sqlite.SQLiteConfig.JournalMode.WAL);
    cfg.setSynchronous(org.sqlite.SQLiteConfig.SynchronousMode.NORMAL);
    cfg.setCacheSize(-65_536); // 64 MiB of page cache per partition connection
    if (Files.exists(file)) {
      cfg.setOpenMode(org.sqlite.SQLiteOpenMode.READWRITE);
    }
    return DriverManager.getConnection("jdbc:sqlite:" + file, cfg.toProperties());
  }

  private static void closeQuietly(Connection c) {
    if (c != null) {
      try {
        c.close();
      } catch (SQLException ignored) {
        // already failing
      }
    }
  }

  private static TreeMap<Integer, Path> partitionFiles(Path dir) throws IOException {
    TreeMap<Integer, Path> found = new TreeMap<>();
    try (var s = Files.list(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Matcher m = PART.matcher(p.getFileName().toString());
        if (m.matches()) {
          found.put(Integer.parseInt(m.group(1)), p);
        }
      }
    }
    return found;
  }
}
