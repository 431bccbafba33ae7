package io.sluice.recovery;

import static io.sluice.recovery.internal.RecoveryFiles.FORMAT;
import static io.sluice.recovery.internal.RecoveryFiles.checkedPartitions;
import static io.sluice.recovery.internal.RecoveryFiles.completeEpochs;
import static io.sluice.recovery.internal.RecoveryFiles.connect;
import static io.sluice.recovery.internal.RecoveryFiles.forEachNewest;
import static io.sluice.recovery.internal.RecoveryFiles.meta;
import static io.sluice.recovery.internal.RecoveryFiles.openChecked;
import static io.sluice.recovery.internal.RecoveryFiles.partitionFiles;

import io.sluice.recovery.internal.RecoveryFiles.Commit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A recovery store on disk, in Bytewax's layout: a directory of {@code N} SQLite recovery
 * partitions {@code part-0.sqlite3} … {@code part-<N-1>.sqlite3}, made with {@link #init} (or
 * {@code sluice recovery init DIR N}) and given to a run with
 * {@link io.sluice.run.RunConfig#withRecovery}. The snapshots of a key live in partition
 * {@code floorMod(murmur3(keyBytes), N)}, keyed by its routing bytes
 * ({@link io.sluice.inputs.Routing#keyBytes}), so a run at any worker or process count finds them.
 * An epoch is complete when every worker of the run that wrote it recorded it; runs resume from
 * the newest complete epoch, which {@link #inspect} reports (docs/RECOVERY.md).
 */
public final class RecoveryStore {
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
        st.execute("CREATE TABLE snaps (step_id TEXT NOT NULL, snap_epoch INTEGER NOT NULL, entries INTEGER NOT NULL,"
            + " chunk BLOB NOT NULL)");
        st.execute("CREATE INDEX snaps_by_epoch ON snaps (snap_epoch)");
        st.execute("CREATE TABLE commits (epoch INTEGER NOT NULL, worker_index INTEGER NOT NULL,"
            + " worker_count INTEGER NOT NULL, ended INTEGER NOT NULL DEFAULT 0, time_ms INTEGER NOT NULL DEFAULT 0,"
            + " at_end INTEGER NOT NULL DEFAULT 0,"
            + " PRIMARY KEY (epoch, worker_index, worker_count, ended)) WITHOUT ROWID");
        st.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT)");
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO meta VALUES (?, ?)")) {
          ps.setString(1, "partition_index");
          ps.setString(2, String.valueOf(i));
          ps.addBatch();
          ps.setString(1, "partition_count");
          ps.setString(2, String.valueOf(partitions));
          ps.addBatch();
          ps.setString(1, "format");
          ps.setString(2, FORMAT);
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
        io.sluice.recovery.internal.RecoveryFiles.readCommits(c, commits);
      }
      List<Long> complete = completeEpochs(commits);
      long newest = complete.isEmpty() ? 0 : complete.get(complete.size() - 1);
      for (Connection c : conns) {
        forEachNewest(c, newest, (step, entry) -> keys.merge(step, entry.discarded() ? 0L : 1L, Long::sum));
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

}
