package io.sluice.aeron;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.UUID;
import org.agrona.IoUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Names and cleans media driver directories. Each embedded driver gets its own directory,
 * {@code sluice-aeron-<os pid>-<random>} under /dev/shm (or the temp dir); directories left
 * behind by a JVM that no longer runs (killed) are deleted when the next driver starts.
 */
final class DriverDirectories {
  private static final Logger LOG = LoggerFactory.getLogger(DriverDirectories.class);
  static final String PREFIX = "sluice-aeron-";

  private DriverDirectories() {}

  static Path base() {
    Path shm = Paths.get("/dev/shm");
    return Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Paths.get(System.getProperty("java.io.tmpdir"));
  }

  static Path newDirectory(Path base) {
    return base.resolve(PREFIX + ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 8));
  }

  /** Deletes driver directories whose owning JVM is gone; returns how many. */
  static int deleteOrphans(Path base) {
    File[] dirs = base.toFile().listFiles((dir, name) -> name.startsWith(PREFIX));
    int deleted = 0;
    if (dirs == null) {
      return 0;
    }
    for (File d : dirs) {
      long pid = ownerPid(d.getName());
      if (pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
        continue;
      }
      if (pid > 0) {
        LOG.info("deleting media driver directory {} left by process {}, which is gone", d, pid);
        IoUtil.delete(d, true);
        deleted++;
      }
    }
    return deleted;
  }

  /** The names of the driver directories process {@code pid} made under {@code base} (none if it cleaned up). */
  static java.util.List<String> of(Path base, long pid) {
    File[] dirs = base.toFile().listFiles((d, name) -> name.startsWith(PREFIX + pid + "-"));
    java.util.List<String> names = new java.util.ArrayList<>();
    if (dirs != null) {
      for (File f : dirs) {
        names.add(f.getName());
      }
    }
    return names;
  }

  static long ownerPid(String name) {
    String rest = name.substring(PREFIX.length());
    int dash = rest.indexOf('-');
    try {
      return Long.parseLong(dash < 0 ? rest : rest.substring(0, dash));
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
