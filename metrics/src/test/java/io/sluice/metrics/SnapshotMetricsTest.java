package io.sluice.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.connectors.IterableSource;
import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import io.sluice.recovery.RecoveryStore;
import io.sluice.run.RecoveryConfig;
import io.sluice.run.RunConfig;
import io.sluice.run.Sluice;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Snapshot meters of a run with recovery on, checked against what the real SQLite store holds. */
class SnapshotMetricsTest {
  private static final Duration BOUND = Duration.ofSeconds(60);

  @Test
  void snapshotCountsBytesAndEpochMatchTheRecoveryStore(@TempDir Path dir) throws Exception {
    RecoveryStore.init(dir, 3);
    Dataflow flow = new Dataflow("snapshotted");
    flow.input("in", IterableSource.of(IntStream.range(0, 40).mapToObj(i -> "k" + i % 4).toList(), 5))
        .countFinal("count", s -> s)
        .output("out", new ListSink<>());
    try (SluiceMetrics metrics = SluiceMetrics.serve(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      // an epoch after every batch: 8 epochs with changed keys; a day of backups: no row is collected
      Sluice.start(flow, RunConfig.workers(2).withEpochInterval(Duration.ZERO)
          .withRecovery(new RecoveryConfig(dir, Duration.ofDays(1))).withObserver(metrics)).await(BOUND);
      Map<String, Double> m = SluiceMetricsTest.parse(metrics.scrape());
      String tags = "{flow=snapshotted,process=0}";

      long rows = 0; // snapshots
      long bytes = 0;
      long newestEpoch = 0;
      for (int p = 0; p < 3; p++) {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("part-" + p + ".sqlite3"));
            Statement st = c.createStatement();
            // one row per chunk of snapshots: how many it holds, and its bytes
            ResultSet rs = st.executeQuery("SELECT coalesce(sum(entries), 0), coalesce(sum(length(chunk)), 0),"
                + " coalesce(max(snap_epoch), 0) FROM snaps")) {
          rs.next();
          rows += rs.getLong(1);
          bytes += rs.getLong(2);
          newestEpoch = Math.max(newestEpoch, rs.getLong(3));
        }
      }
      assertThat(rows).as("snapshots in the store").isGreaterThan(8);
      assertThat(m).containsEntry("sluice_snapshot_snapshots_total" + tags, (double) rows)
          .containsEntry("sluice_snapshot_bytes_sum" + tags, (double) bytes)
          .containsEntry("sluice_snapshot_epoch" + tags, (double) newestEpoch);
      assertThat(newestEpoch).isEqualTo(RecoveryStore.inspect(dir).newestCompleteEpoch());
      // every write batch was timed, and each held snapshots
      double writes = m.get("sluice_snapshot_write_seconds_count" + tags);
      assertThat(writes).isPositive().isEqualTo(m.get("sluice_snapshot_bytes_count" + tags));
      assertThat(m.get("sluice_snapshot_write_seconds_sum" + tags)).isPositive();
      assertThat(metrics.scrape()).contains("# TYPE sluice_snapshot_write_seconds histogram");
    }
  }

  @Test
  void noSnapshotMetersWithoutRecovery() {
    Dataflow flow = new Dataflow("plain");
    flow.input("in", IterableSource.of(List.of("a", "b"), 1)).countFinal("count", s -> s).output("out", new ListSink<>());
    try (SluiceMetrics metrics = SluiceMetrics.serve(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      Sluice.start(flow, RunConfig.workers(1).withObserver(metrics)).await(BOUND);
      assertThat(metrics.scrape()).doesNotContain("sluice_snapshot_");
    }
  }
}
