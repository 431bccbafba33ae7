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
    assertThatThrownBy(() -> RunConfig.workers(2).withEpochInterval(Duration.ZERO)).hasMessageContaining("epoch");
    assertThatThrownBy(() -> RunConfig.workers(2).withCluster(2, 2)).hasMessageContaining("2");
    assertThatThrownBy(() -> RunConfig.workers(2).withCluster(0, 0)).hasMessageContaining("0");
  }

  @Test
  void severalProcessesNeedATransport() {
    Dataflow flow = new Dataflow(TestSupport.uniqueName("cluster"));
    flow.input("in", IterableSource.of(List.of(1))).output("out", new ListSink<>());
    assertThatThrownBy(() -> Sluice.start(flow, RunConfig.workers(2).withCluster(2, 0)))
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("2 processes");
    assertThat(TestSupport.workerThreads(flow.name())).isEmpty();
  }
}
