package io.sluice.recovery.internal;

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
 * The recovery store's files, for the engine's runtime and tests: not API. Anything here may change
 * in any release; use {@link io.sluice.recovery.RecoveryStore} ({@code init}, {@code inspect}) and
 * {@link io.sluice.run.RecoveryConfig} instead. Excluded from the published Javadoc.
 *
 * <p>A recovery store on disk, in Bytewax's layout: a directory of {@code N} SQLite recovery
 * partitions {@code part-0.sqlite3} … {@code part-<N-1>.sqlite3}. The snapshots of a key live in
 * partition {@code floorMod(murmur3(keyBytes), N)}, keyed by its routing bytes
 * ({@link io.sluice.inputs.Routing#keyBytes}), so a run at any worker or process count finds them.
 * Each worker records every epoch it wrote completely, and that it ended (after which it has
 * closed every epoch: a worker with nothing to read ends at once); an epoch is complete when every
 * worker of the run that wrote it recorded it or had ended before it, and, if a worker's input
 * ended with it, once every worker has ended.
 *
 * <p>Tables of each partition: {@code snaps(step_id, snap_epoch, entries, chunk)}, appended to in
 * epoch order, where each row is a chunk of up to about {@value #CHUNK_BYTES} bytes holding
 * {@code entries} snapshots of one step written by one worker in one epoch (a key's state at epoch
 * E is its newest entry no later than E; an entry without state records a discarded key);
 * {@code commits(epoch, worker_index, worker_count, ended, time_ms, at_end)} (time_ms: the run's
 * time, in ms since 1970, when the worker opened the epoch; at_end: the worker's sources all ended
 * with the epoch, which then completes only once every worker of the run has ended, after its
 * {@code onEof}; a run that resumes turns the ended commits of earlier runs into commits of its
 * resume epoch) and {@code meta(name, value)} (format,
 * partition index and count, the flow's name). Bytewax keeps one row per key and epoch; chunks
 * cost one SQLite row per about {@value #CHUNK_BYTES} bytes instead of one per key (why: see
 * DESIGN-NOTES.md, "Snapshots in chunks").
 *
 * <p>Chunk layout, all numbers unsigned LEB128 varints: the key classes of the chunk (count, then
 * each name as length and UTF-8 bytes); then per entry the key's routing bytes (length, bytes), its
 * key class (0: a string of ASCII characters, stored as its routing bytes alone; else 1 + its index
 * in the chunk's classes, followed by the serialized key as length and bytes), then the serialized
 * state as length + 1 and bytes, or a single 0 for a discarded key. A key is identified by its
 * class and routing bytes, as {@link io.sluice.inputs.Routing#identity} identifies it. The state of
 * a source partition (its key: the partition's name) starts with the partition's time when the
 * epoch opened, 8 bytes big-endian in ms since 1970, before its serialized state.
 */
public final class RecoveryFiles {
  private static final Pattern PART = Pattern.compile("part-(\\d+)\\.sqlite3");
  /** The layout {@link io.sluice.recovery.RecoveryStore#init} writes and the runtime reads; a partition of another layout is refused. */
  public static final String FORMAT = "5";
  /** A chunk is closed once it holds this many bytes (one entry may take it past). */
  public static final int CHUNK_BYTES = 1 << 20;

  private RecoveryFiles() {}

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
      String format = meta(c, "format");
      if (!FORMAT.equals(format)) {
        throw new IllegalArgumentException("recovery partition " + file + " has layout " + (format == null ? "1" : format)
            + ", and this version of Sluice reads layout " + FORMAT + ": resume with the version that wrote it, or start"
            + " from a new recovery directory");
      }
      try (Statement st = c.createStatement()) {
        st.executeQuery("SELECT step_id, snap_epoch, entries, chunk FROM snaps LIMIT 0").close();
        st.executeQuery("SELECT epoch, worker_index, worker_count, ended, time_ms, at_end FROM commits LIMIT 0").close();
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

  /** Receives one key's newest snapshot, as a cursor valid during the call only. */
  @FunctionalInterface
  public interface SnapshotVisitor {
    void visit(String step, ChunkReader entry);
  }

  /**
   * Visits, for every (step, key) of the partition, its newest snapshot no later than {@code epoch},
   * newest chunks first, remembering the keys seen (a copy of their routing bytes) so older entries
   * of the same key are skipped; returns the entries read.
   *
   * @throws IllegalArgumentException if a chunk is malformed (naming the partition and row)
   */
  public static long forEachNewest(Connection c, long epoch, SnapshotVisitor visitor) throws SQLException {
    NewestFilter newest = new NewestFilter();
    long[] entries = {0};
    forEachChunk(c, epoch, (rowid, step, snapEpoch, chunk, n) -> {
      ChunkReader r = new ChunkReader(chunk, n, step, c, rowid);
      while (r.next()) {
        entries[0]++;
        if (newest.firstSighting(step, r)) {
          visitor.visit(step, r);
        }
      }
    });
    return entries[0];
  }

  /**
   * Tells, over entries read newest first, whether an entry is its (step, key)'s first, i.e. newest.
   * Per step, an Agrona open-addressing map from a 64-bit fingerprint of the key's routing bytes
   * to where a copy of those bytes sits in one byte arena: a lookup touches one slot and, on a
   * match, the arena to confirm the bytes (a {@code HashSet} of byte-array wrappers touched about
   * four objects per lookup, which made resuming and compacting 1 M keys twice as slow). Keys whose
   * fingerprints collide with another key's are kept in a set of their own.
   */
  public static final class NewestFilter {
    private final Map<String, Map<String, Seen>> seen = new HashMap<>();

    /** True the first time {@code entry}'s key (its class and routing bytes, as Routing's identity) is seen for {@code step}. */
    public boolean firstSighting(String step, ChunkReader entry) {
      return seen.computeIfAbsent(step, x -> new HashMap<>()).computeIfAbsent(entry.keyClass(), x -> new Seen())
          .add(entry.chunk, entry.keyOff, entry.keyLen);
    }
  }

  /** One step's keys seen: fingerprint → arena offset, the arena, and keys with colliding fingerprints. */
  private static final class Seen {
    private final org.agrona.collections.Long2LongHashMap index = new org.agrona.collections.Long2LongHashMap(-1);
    private byte[] arena = new byte[1 << 12];
    private int size;
    private java.util.Set<java.nio.ByteBuffer> collided;

    /** Adds the key; false if it was there already. */
    boolean add(byte[] b, int off, int len) {
      int h2 = 1;
      for (int i = off, end = off + len; i < end; i++) {
        h2 = 31 * h2 + b[i];
      }
      long fingerprint = (long) io.sluice.inputs.Routing.murmur3(b, off, len) << 32 | (h2 & 0xFFFFFFFFL);
      long at = index.get(fingerprint);
      if (at < 0) {
        index.put(fingerprint, append(b, off, len));
        return true;
      }
      int storedLen = (arena[(int) at] & 0xFF) << 24 | (arena[(int) at + 1] & 0xFF) << 16
          | (arena[(int) at + 2] & 0xFF) << 8 | arena[(int) at + 3] & 0xFF;
      if (java.util.Arrays.equals(arena, (int) at + 4, (int) at + 4 + storedLen, b, off, off + len)) {
        return false;
      }
      if (collided == null) {
        collided = new java.util.HashSet<>();
      }
      return collided.add(java.nio.ByteBuffer.wrap(java.util.Arrays.copyOfRange(b, off, off + len)));
    }

    private long append(byte[] b, int off, int len) {
      if (size + 4 + len > arena.length) {
        arena = java.util.Arrays.copyOf(arena, Math.max(arena.length * 2, size + 4 + len));
      }
      int at = size;
      arena[size++] = (byte) (len >>> 24);
      arena[size++] = (byte) (len >>> 16);
      arena[size++] = (byte) (len >>> 8);
      arena[size++] = (byte) len;
      System.arraycopy(b, off, arena, size, len);
      size += len;
      return at;
    }
  }

  /** Receives one chunk row. */
  @FunctionalInterface
  public interface ChunkVisitor {
    void visit(long rowid, String step, long epoch, byte[] chunk, int entries) throws SQLException;
  }

  /** Visits the chunks written no later than {@code epoch}, newest first (the newest entry of a key is seen first). */
  public static void forEachChunk(Connection c, long epoch, ChunkVisitor visitor) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT rowid, step_id, snap_epoch, chunk, entries FROM snaps"
        + " WHERE snap_epoch <= ? ORDER BY snap_epoch DESC, rowid DESC")) {
      ps.setLong(1, epoch);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          visitor.visit(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getBytes(4), rs.getInt(5));
        }
      }
    }
  }

  /**
   * Reads a chunk's entries one at a time, validating every length against what is left of the
   * chunk (nothing read from a file is trusted), without copying until asked.
   */
  public static final class ChunkReader {
    private final byte[] chunk;
    private final int entries;
    private final String step;
    private final Connection source;
    private final long rowid;
    private String[] classes;
    private int pos;
    private int read;
    private int keyOff;
    private int keyLen;
    private String keyClass;
    private int serKeyOff;
    private int serKeyLen;
    private int stateOff;
    private int stateLen;

    /** A reader of chunk row {@code rowid} of {@code source} (null if none), for error messages. */
    public ChunkReader(byte[] chunk, int entries, String step, Connection source, long rowid) {
      this.chunk = chunk;
      this.entries = entries;
      this.step = step;
      this.source = source;
      this.rowid = rowid;
    }

    /**
     * Moves to the next entry; false after the last.
     *
     * @throws IllegalArgumentException naming the partition and row if the chunk is malformed
     */
    public boolean next() {
      try {
        if (classes == null) {
          int n = length(varint());
          classes = new String[n];
          for (int i = 0; i < n; i++) {
            int len = length(varint());
            classes[i] = new String(chunk, skip(len), len, java.nio.charset.StandardCharsets.UTF_8);
          }
        }
        if (read == entries) {
          if (pos != chunk.length) {
            throw new IllegalArgumentException((chunk.length - pos) + " bytes after its " + entries + " entries");
          }
          return false;
        }
        keyLen = length(varint());
        keyOff = skip(keyLen);
        long tag = varint();
        if (tag == 0) {
          keyClass = null;
          serKeyLen = 0;
          serKeyOff = pos;
        } else {
          if (tag > classes.length) {
            throw new IllegalArgumentException("key class " + tag + " at byte " + pos + " is not in the chunk's "
                + classes.length + " classes");
          }
          keyClass = classes[(int) tag - 1];
          serKeyLen = length(varint());
          serKeyOff = skip(serKeyLen);
        }
        long s = varint();
        stateLen = s == 0 ? -1 : length(s - 1);
        stateOff = stateLen < 0 ? pos : skip(stateLen);
        read++;
        return true;
      } catch (IllegalArgumentException e) {
        String where;
        try {
          where = source == null ? "" : " " + source.getMetaData().getURL().replaceFirst("^jdbc:sqlite:", "");
        } catch (SQLException ex) {
          where = "";
        }
        throw new IllegalArgumentException("recovery partition" + where + " is corrupt: snapshot chunk " + rowid
            + " of step '" + step + "' is malformed (" + e.getMessage() + ")", e);
      }
    }

    /** A copy of the entry's key routing bytes. */
    public byte[] key() {
      return java.util.Arrays.copyOfRange(chunk, keyOff, keyOff + keyLen);
    }

    /** Whether the key is a string of ASCII characters stored as its routing bytes alone (no serialized key). */
    public boolean asciiStringKey() {
      return keyClass == null;
    }

    /** The key's class name ({@code java.lang.String} for an ASCII string key). */
    public String keyClass() {
      return keyClass == null ? "java.lang.String" : keyClass;
    }

    /** A copy of the entry's serialized key (empty for an ASCII string key). */
    public byte[] serKey() {
      return java.util.Arrays.copyOfRange(chunk, serKeyOff, serKeyOff + serKeyLen);
    }

    /** Whether the entry records that its key was discarded. */
    public boolean discarded() {
      return stateLen < 0;
    }

    /** A copy of the entry's serialized state, or null for a discarded key. */
    public byte[] state() {
      return stateLen < 0 ? null : java.util.Arrays.copyOfRange(chunk, stateOff, stateOff + stateLen);
    }

    /** murmur3 of the entry's routing bytes, without copying them. */
    public int keyHash() {
      return io.sluice.inputs.Routing.murmur3(chunk, keyOff, keyLen);
    }

    /** Appends the entry to {@code to}. */
    public void copyTo(ChunkWriter to) {
      to.add(chunk, keyOff, keyLen, keyClass, chunk, serKeyOff, serKeyLen, chunk, stateOff, stateLen);
    }

    private long varint() {
      long v = 0;
      for (int shift = 0; shift < 35; shift += 7) {
        if (pos >= chunk.length) {
          throw new IllegalArgumentException("truncated at byte " + pos);
        }
        int x = chunk[pos++];
        v |= (long) (x & 0x7F) << shift;
        if ((x & 0x80) == 0) {
          return v;
        }
      }
      throw new IllegalArgumentException("length too long at byte " + pos);
    }

    private int length(long len) {
      if (len > chunk.length - pos) {
        throw new IllegalArgumentException("a length of " + len + " at byte " + pos + " runs past the chunk's "
            + chunk.length + " bytes");
      }
      return (int) len;
    }

    private int skip(int len) {
      int at = pos;
      pos += len;
      return at;
    }
  }

  /** Builds one chunk: entries appended in the chunk layout (see the class documentation). */
  public static final class ChunkWriter {
    private byte[] buf = new byte[4096];
    private int size;
    private int entries;
    private final Map<String, Integer> classes = new java.util.LinkedHashMap<>();
    private int headerBytes = 1;

    /**
     * Appends a key's snapshot. {@code keyClass} null means the key is a string of ASCII characters
     * whose routing bytes are the string ({@code serKey} is then not written); {@code state} null
     * records that the key was discarded.
     */
    public void add(byte[] key, String keyClass, byte[] serKey, byte[] state) {
      add(key, 0, key.length, keyClass, serKey, 0, serKey == null ? 0 : serKey.length, state, 0,
          state == null ? -1 : state.length);
    }

    void add(byte[] key, int keyOff, int keyLen, String keyClass, byte[] serKey, int serOff, int serLen,
        byte[] state, int stateOff, int stateLen) {
      ensure(keyLen + serLen + Math.max(stateLen, 0) + 20);
      putVarint(keyLen);
      put(key, keyOff, keyLen);
      if (keyClass == null) {
        putVarint(0);
      } else {
        Integer index = classes.get(keyClass);
        if (index == null) {
          index = classes.size();
          classes.put(keyClass, index);
          headerBytes += keyClass.length() * 3 + 5; // an upper bound, for size() only
        }
        putVarint(index + 1L);
        putVarint(serLen);
        put(serKey, serOff, serLen);
      }
      if (stateLen < 0) {
        putVarint(0);
      } else {
        putVarint(stateLen + 1L);
        put(state, stateOff, stateLen);
      }
      entries++;
    }

    /** About the bytes appended so far. */
    public int size() {
      return size + headerBytes;
    }

    /** The entries appended so far. */
    public int entries() {
      return entries;
    }

    /** The chunk's bytes (its class table, then its entries); the writer starts empty again. */
    public byte[] take() {
      ChunkWriter header = new ChunkWriter();
      header.putVarint(classes.size());
      for (String c : classes.keySet()) {
        byte[] name = c.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        header.ensure(name.length + 5);
        header.putVarint(name.length);
        header.put(name, 0, name.length);
      }
      byte[] out = new byte[header.size + size];
      System.arraycopy(header.buf, 0, out, 0, header.size);
      System.arraycopy(buf, 0, out, header.size, size);
      size = 0;
      entries = 0;
      classes.clear();
      headerBytes = 1;
      return out;
    }

    private void ensure(int more) {
      if (size + more > buf.length) {
        buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
      }
    }

    private void put(byte[] b, int off, int len) {
      System.arraycopy(b, off, buf, size, len);
      size += len;
    }

    private void putVarint(long v) {
      while ((v & ~0x7FL) != 0) {
        buf[size++] = (byte) ((v & 0x7F) | 0x80);
        v >>>= 7;
      }
      buf[size++] = (byte) v;
    }
  }

  /** A worker recorded epoch {@code epoch} as written, or ({@code ended}) that it ended after it. */
  public record Commit(long epoch, int worker, int workerCount, boolean ended, long timeMillis, boolean atEnd) {}

  /** Reads the commits of one partition into {@code into}. */
  public static void readCommits(Connection c, List<Commit> into) throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT epoch, worker_index, worker_count, ended, time_ms, at_end FROM commits")) {
      while (rs.next()) {
        into.add(new Commit(rs.getLong(1), rs.getInt(2), rs.getInt(3), rs.getInt(4) != 0, rs.getLong(5),
            rs.getInt(6) != 0));
      }
    }
  }

  /**
   * The worker count of a run for which {@code epoch} is complete (every worker of that count
   * recorded it, or had ended at or before it), or -1 if none.
   */
  public static int completeIn(List<Commit> commits, long epoch) {
    java.util.Set<Integer> counts = new TreeSet<>();
    commits.forEach(c -> counts.add(c.workerCount()));
    for (int count : counts) {
      List<Commit> group = commits.stream().filter(c -> c.workerCount() == count).toList();
      if (completeEpochs(group).contains(epoch)) {
        return count;
      }
    }
    return -1;
  }

  /**
   * The complete epochs, ascending: those that every worker of the run (of that worker count)
   * recorded as written, or had ended at or before.
   */
  public static List<Long> completeEpochs(List<Commit> commits) {
    Map<Integer, Map<Integer, Set<Long>>> written = new HashMap<>();
    Map<Integer, Map<Integer, Long>> endedAt = new HashMap<>();
    Map<Integer, Set<Long>> atEnd = new HashMap<>();
    for (Commit c : commits) {
      if (c.atEnd()) {
        atEnd.computeIfAbsent(c.workerCount(), k -> new TreeSet<>()).add(c.epoch());
      }
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
        // closed at the end of some worker's input: complete only once every worker ended (after onEof)
        for (int w = 0; w < count && all && atEnd.getOrDefault(count, Set.of()).contains(e); w++) {
          all = ended.containsKey(w);
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

  static void closeQuietly(Connection c) {
    if (c != null) {
      try {
        c.close();
      } catch (SQLException ignored) {
        // already failing
      }
    }
  }

  /** The {@code part-N.sqlite3} files of {@code dir} by index, unchecked. */
  public static TreeMap<Integer, Path> partitionFiles(Path dir) throws IOException {
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
