package io.sluice.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.TestSupport;
import io.sluice.connectors.IterableSource;
import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RunConfig checks its knobs; Sluice refuses what this build cannot run. */
class RunConfigTest {

  @Test
  void defaultsAndCopies() {
    RunConfig c = RunConfig.workers(3);
    assertThat(c.workerCount()).isEqualTo(3);
    assertThat(c.channelCapacity()).isEqualTo(16);
    assertThat(c.recordKeys()).isFalse();
    assertThat(c.serdeCheck()).isNull();
    RunConfig d = c.withChannelCapacity(4).withRecordKeys(true).withEpochInterval(Duration.ofMillis(5))
        .withSlowActivationThreshold(Duration.ofMillis(7)).withWorkers(5);
    assertThat(d.workerCount()).isEqualTo(5);
    assertThat(d.channelCapacity()).isEqualTo(4);
    assertThat(d.recordKeys()).isTrue();
    assertThat(d.epochInterval()).isEqualTo(Duration.ofMillis(5));
    assertThat(d.slowActivationThreshold()).isEqualTo(Duration.ofMillis(7));
    assertThat(c.channelCapacity()).isEqualTo(16); // unchanged
  }

  @Test
  void badValuesAreRejectedNamingThem() {
    assertThatThrownBy(() -> RunConfig.workers(0)).hasMessageContaining("0");
    assertThatThrownBy(() -> RunConfig.workers(2).withChannelCapacity(1)).hasMessageContaining("1");
    assertThatThrownBy(() -> RunConfig.workers(2).withEpochInterval(Duration.ofMillis(-1))).hasMessageContaining("epoch");
    assertThatThrownBy(() -> RunConfig.workers(2).withCluster(2, List.of("h:1", "h:2")))
        .hasMessageContaining("process id must be in [0, 2), got 2");
    assertThatThrownBy(() -> RunConfig.workers(2).withCluster(-1, List.of("h:1", "h:2"))).hasMessageContaining("-1");
    assertThatThrownBy(() -> RunConfig.workers(2).withCluster(0, List.of("h:1", "h")))
        .hasMessageContaining("malformed address 'h'");
    assertThatThrownBy(() -> RunConfig.workers(2).withCluster(0, List.of("h:1", "h:0")))
        .hasMessageContaining("port must be 1-65535");
  }

  @Test
  void severalProcessesNeedATransport() {
    Dataflow flow = new Dataflow(TestSupport.uniqueName("cluster"));
    flow.input("in", IterableSource.of(List.of(1))).output("out", new ListSink<>());
    assertThatThrownBy(() -> Sluice.start(flow, RunConfig.workers(2).withCluster(0, List.of("localhost:1", "localhost:2"))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("2 processes needs a transport")
        .hasMessageContaining("sluice-aeron-transport");
    assertThat(TestSupport.workerThreads(flow.name())).isEmpty();
  }
}
