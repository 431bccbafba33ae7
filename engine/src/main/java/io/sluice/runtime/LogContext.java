package io.sluice.runtime;

import org.slf4j.MDC;

/**
 * What a worker thread tells code running on it: {@link io.sluice.dataflow.StepContext#worker()},
 * and what Sluice puts in SLF4J's MDC, so that log lines name where they come from: {@code flow},
 * {@code process} and {@code worker} on every worker thread for its whole life (user code logging
 * from a step sees them too), and {@code step} while a step's code runs (set once per activation,
 * i.e. per batch, not per item; see {@link #stepMdc()}) and around the runtime's own messages about
 * a step.
 */
final class LogContext {
  static final String FLOW = "flow";
  static final String PROCESS = "process";
  static final String WORKER = "worker";
  static final String STEP = "step";

  /** Turns {@code step} in the MDC around activations off ({@code -Dsluice.log.stepMdc=false}). */
  static final String STEP_MDC_PROPERTY = "sluice.log.stepMdc";

  private LogContext() {}

  /**
   * Whether step instances put {@code step} in the MDC around each activation: yes, unless SLF4J's
   * MDC does nothing (no backend, or slf4j-nop: then it would only cost) or
   * {@value #STEP_MDC_PROPERTY} is {@code false}. Read when a step instance is built.
   */
  static boolean stepMdc() {
    return !"false".equalsIgnoreCase(System.getProperty(STEP_MDC_PROPERTY))
        && !(MDC.getMDCAdapter() instanceof org.slf4j.helpers.NOPMDCAdapter);
  }

  /** An activation of {@code step} begins: it is the MDC's {@code step} until {@link #stepEnded()}. */
  static void stepBegins(String step) {
    MDC.put(STEP, step);
  }

  /** The activation {@link #stepBegins} began has ended. */
  static void stepEnded() {
    MDC.remove(STEP);
  }

  /** Called first thing on a worker thread. */
  static void forWorker(String flow, int process, int worker) {
    MDC.put(FLOW, flow);
    MDC.put(PROCESS, String.valueOf(process));
    MDC.put(WORKER, String.valueOf(worker));
    io.sluice.dataflow.StepContext.bindWorker(worker);
  }

  /** Runs {@code log} with {@code step} in the MDC (nothing added if null), restoring what was there. */
  static void withStep(String step, Runnable log) {
    if (step == null) {
      log.run();
      return;
    }
    String before = MDC.get(STEP);
    MDC.put(STEP, step);
    try {
      log.run();
    } finally {
      if (before == null) {
        MDC.remove(STEP);
      } else {
        MDC.put(STEP, before);
      }
    }
  }
}
