package io.sluice.aeron;

import io.sluice.dataflow.Dataflow;
import io.sluice.inputs.DynamicSource;
import io.sluice.outputs.DynamicSink;
import java.util.ArrayList;
import java.util.List;

/** A flow that never ends by itself: every worker generates numbers, redistributed over the cluster. Child JVMs run it. */
public final class EndlessFlow {
  private EndlessFlow() {}

  public static Dataflow flow() {
    Dataflow flow = new Dataflow("endless");
    flow.input("numbers", (DynamicSource<Long>) (step, worker, count) -> new io.sluice.inputs.StatelessSourcePartition<>() {
      private long next;

      @Override
      public List<Long> nextBatch() {
        List<Long> batch = new ArrayList<>(100);
        for (int i = 0; i < 100; i++) {
          batch.add(next++);
        }
        return batch;
      }
    }).redistribute("spread").output("drop", (DynamicSink<Long>) (step, worker, count) -> items -> { });
    return flow;
  }
}
