package io.sluice.run;

import static io.sluice.TestSupport.run;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import io.sluice.inputs.DynamicSource;
import io.sluice.inputs.StatelessSourcePartition;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A source partition whose close fails at the run's end: the error names the step, the worker and the partition. */
class SourceCloseFailureTest {
  @Test
  void aSourcePartitionFailingToCloseIsReportedAsAStepFailure() {
    Dataflow flow = new Dataflow("close-fails");
    DynamicSource<Integer> source = (step, worker, workers) -> new StatelessSourcePartition<>() {
      boolean sent;

      @Override
      public List<Integer> nextBatch() {
        if (sent) {
          return null;
        }
        sent = true;
        return List.of(worker);
      }

      @Override
      public void close() {
        if (worker == 1) {
          throw new IllegalStateException("boom-close");
        }
      }
    };
    flow.input("in", source).output("out", new ListSink<>());
    assertThatThrownBy(() -> run(flow, RunConfig.workers(2)))
        .isInstanceOf(StepFailedException.class)
        .hasMessageContaining("'in'")
        .hasMessageContaining("worker 1")
        .hasMessageContaining("partition")
        .hasStackTraceContaining("boom-close");
  }
}
