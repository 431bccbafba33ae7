package io.sluice.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.connectors.IterableSource;
import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import io.sluice.run.Sluice;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
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

  @Test
  void whatAStepsCodeLogsCarriesTheStepId() {
    Logger log = (Logger) LoggerFactory.getLogger("io.sluice.examples.LogContextTest.user");
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    log.addAppender(appender);
    try {
      Dataflow flow = new Dataflow("step-mdc");
      flow.input("in", IterableSource.of(List.of(1, 2, 3, 4, 5, 6), 2))
          .map("shout", (Integer i) -> {
            log.warn("shouting {}", i);
            return i;
          })
          .redistribute("spread")
          .inspect("look", (Integer item, int worker, long epoch) -> log.warn("looking at {}", item))
          .output("out", new ListSink<>());
      Sluice.run(flow, 2);
    } finally {
      log.detachAppender(appender);
    }
    List<ILoggingEvent> events = List.copyOf(appender.list);
    assertThat(events).hasSize(12);
    for (ILoggingEvent e : events) {
      String expected = e.getFormattedMessage().startsWith("shouting") ? "shout" : "look";
      assertThat(e.getMDCPropertyMap()).as(e.getFormattedMessage())
          .containsEntry("step", expected).containsEntry("flow", "step-mdc").containsKey("worker");
    }
  }

  @Test
  void theStepCanBeLeftOutOfTheMdc() {
    Set<String> seen = ConcurrentHashMap.newKeySet();
    Dataflow flow = new Dataflow("no-step-mdc");
    flow.input("in", IterableSource.of(List.of(1, 2, 3), 1))
        .inspect("look", (Integer item, int worker, long epoch) -> seen.add(MDC.get("flow") + "/" + MDC.get("step")))
        .output("out", new ListSink<>());
    System.setProperty("sluice.log.stepMdc", "false");
    try {
      Sluice.run(flow, 1);
    } finally {
      System.clearProperty("sluice.log.stepMdc");
    }
    assertThat(seen).containsExactly("no-step-mdc/null");
  }
}
