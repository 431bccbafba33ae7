package io.sluice.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.connectors.IterableSource;
import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import io.sluice.run.Sluice;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/** The MDC Sluice sets on worker threads, seen through bin/sluice's logging backend (logback). */
class LogContextTest {
  @Test
  void stepCodeLogsWithTheFlowProcessAndWorkerInTheMdc() {
    Set<String> seen = ConcurrentHashMap.newKeySet();
    Dataflow flow = new Dataflow("mdc-flow");
    flow.input("in", IterableSource.of(List.of(1, 2, 3, 4, 5, 6, 7, 8), 1))
        .redistribute("spread")
        .inspect("look", (Integer item, int worker, long epoch) ->
            seen.add(MDC.get("flow") + "/" + MDC.get("process") + "/" + MDC.get("worker") + "=" + worker))
        .output("out", new ListSink<>());
    Sluice.run(flow, 3);
    assertThat(seen).containsExactlyInAnyOrder("mdc-flow/0/0=0", "mdc-flow/0/1=1", "mdc-flow/0/2=2");
  }
}
