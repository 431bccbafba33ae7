package io.sluice.run;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Where a run keeps its recovery store, as Bytewax's {@code RecoveryConfig}: a directory of
 * {@code part-<i>.sqlite3} recovery partitions created beforehand ({@code sluice recovery init DIR N}
 * or {@link io.sluice.recovery.RecoveryStore#init}). At the close of every epoch each worker writes
 * the snapshots of the keys its stateful steps changed in it, and the resume state of its source
 * and sink partitions; a run with the same directory resumes from the newest epoch every worker
 * completed. The epoch length ({@link RunConfig#epochInterval()}) is the snapshot interval.
 *
 * <p>Guarantee: at-least-once. Nothing a complete snapshot covers is lost; output written after
 * the last complete epoch may be written again on resume.
 *
 * @param directory      the recovery directory (must hold the partitions)
 * @param backupInterval how long snapshots are kept behind the newest complete epoch (0: only what
 *                       the newest complete epoch needs), so a backup of the directory taken up
 *                       to this long ago still resumes
 */
public record RecoveryConfig(Path directory, Duration backupInterval) {
  public RecoveryConfig {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(backupInterval, "backupInterval");
    if (backupInterval.isNegative()) {
      throw new IllegalArgumentException("backup interval cannot be negative, got " + backupInterval);
    }
  }

  /** Recovery in {@code directory}, keeping no older snapshots than the newest complete epoch needs. */
  public static RecoveryConfig in(Path directory) {
    return new RecoveryConfig(directory, Duration.ZERO);
  }
}
