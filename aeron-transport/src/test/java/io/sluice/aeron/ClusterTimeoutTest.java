package io.sluice.aeron;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.run.RunConfig;
import io.sluice.run.RunTimeoutException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A cluster run that does not finish in time reports the state of every worker of every process. */
class ClusterTimeoutTest {

  @Test
  void aTimeoutDumpsEveryWorkerOfEveryProcess() {
    assertThatThrownBy(() -> LocalCluster.run(2, RunConfig.workers(2), p -> EndlessFlow.flow(), Duration.ofSeconds(3)))
        .isInstanceOf(RunTimeoutException.class)
        .hasMessageContaining("dataflow 'endless' on 2 processes × 2 workers did not finish within PT3S")
        .hasMessageContaining("process 0:\nworker 0 (")
        .hasMessageContaining("worker 1 (")
        .hasMessageContaining("process 1:\nworker 2 (")
        .hasMessageContaining("worker 3 (");
  }
}
