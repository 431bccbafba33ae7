package io.sluice.testkit;

import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.Step;
import io.sluice.run.RunResult;
import io.sluice.run.StepStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A finished run: the engine's {@link RunResult} (per step and per worker: items in and out, the
 * keys each worker saw in keyed steps, longest activations) and what each {@link TestSink} of the
 * flow received. Assert on it with {@link SluiceAssertions#assertThat(TestRun)}.
 */
public final class TestRun {
  private final Dataflow flow;
  private final RunResult result;
  private final int workersPerProcess;
  private final Map<TestSink<?>, SinkOutput<?>> outputs;

  TestRun(Dataflow flow, RunResult result, int workersPerProcess, Map<TestSink<?>, SinkOutput<?>> outputs) {
    this.flow = flow;
    this.result = result;
    this.workersPerProcess = workersPerProcess;
    this.outputs = outputs;
  }

  /** The dataflow that ran. */
  public Dataflow flow() {
    return flow;
  }

  /** The engine's statistics of the run. */
  public RunResult result() {
    return result;
  }

  /**
   * How many workers each process had: the testkit always counts workers per process, as
   * {@link DataflowTest#workers()} does.
   *
   * @return workers per process
   */
  public int workers() {
    return workersPerProcess;
  }

  /**
   * Same as {@link #workers()}.
   *
   * @return workers per process
   * @deprecated use {@link #workers()}, which now means workers per process everywhere in the testkit
   */
  @Deprecated
  public int workersPerProcess() {
    return workersPerProcess;
  }

  /**
   * How many processes the run had.
   *
   * @return 1 for a run in one process
   */
  public int processes() {
    return result.workerCount() / workersPerProcess;
  }

  /**
   * How many workers the run had in all, {@link #processes()} × {@link #workers()}; worker indexes
   * (e.g. of {@link io.sluice.inputs.Routing#workerFor}) run from 0 to this minus 1.
   *
   * @return the total worker count
   */
  public int totalWorkers() {
    return result.workerCount();
  }

  /** Wall-clock time from start until every worker finished. */
  public Duration duration() {
    return result.duration();
  }

  /** What {@code sink} received in this run. */
  @SuppressWarnings("unchecked")
  public <T> SinkOutput<T> output(TestSink<T> sink) {
    SinkOutput<?> out = outputs.get(sink);
    if (out == null) {
      throw new IllegalArgumentException(sink + " is not an output of dataflow '" + flow.name()
          + "'; its test sinks are written by steps " + outputStepIds());
    }
    return (SinkOutput<T>) out;
  }

  /**
   * What the test sink of output step {@code outputStepId} received: handy when the flow was built
   * elsewhere (a factory, a forked run) and the test holds no reference to its sink.
   *
   * @throws IllegalArgumentException if that step does not write to a {@link TestSink}
   */
  @SuppressWarnings("unchecked")
  public <T> SinkOutput<T> output(String outputStepId) {
    for (io.sluice.dataflow.Step s : flow.steps()) {
      if (s instanceof io.sluice.dataflow.Step.Output out && out.id().equals(outputStepId)
          && out.sink() instanceof TestSink<?> sink) {
        return (SinkOutput<T>) output(sink);
      }
    }
    throw new IllegalArgumentException("no output step '" + outputStepId + "' writing to a TestSink in dataflow '"
        + flow.name() + "'; its test sinks are written by steps " + outputStepIds());
  }

  /** The items {@code sink} received in this run, in arrival order. */
  public <T> List<T> items(TestSink<T> sink) {
    return output(sink).items();
  }

  /**
   * One step's statistics: items in and out per worker, and for keyed steps the keys each worker
   * saw.
   *
   * @throws IllegalArgumentException naming the flow's steps if there is no step {@code stepId}
   */
  public StepStats step(String stepId) {
    StepStats s = result.steps().get(stepId);
    if (s == null) {
      throw new IllegalArgumentException(noSuchStep(stepId));
    }
    return s;
  }

  /** The keys {@code worker} saw in keyed step {@code stepId}. */
  public Set<Object> keys(String stepId, int worker) {
    return step(stepId).keys(worker);
  }

  /**
   * Items per worker of a step: what reached it on each worker, or for an input step what it read
   * on each worker.
   */
  public long[] itemsPerWorker(String stepId) {
    StepStats s = step(stepId);
    return isInput(stepId) ? s.itemsOutPerWorker() : s.itemsInPerWorker();
  }

  /** How evenly a step's items were spread over the workers. */
  public Skew skew(String stepId) {
    return Skew.of(stepId, itemsPerWorker(stepId));
  }

  /** The ids of the keyed steps (the keyed stateful kernel steps), in plan order. */
  public List<String> keyedStepIds() {
    List<String> ids = new ArrayList<>();
    for (Step s : flow.steps()) {
      if (s instanceof Step.StatefulBatch) {
        ids.add(s.id());
      }
    }
    return ids;
  }

  /** Whether {@code stepId} is a keyed stateful kernel step. */
  public boolean isKeyed(String stepId) {
    return keyedStepIds().contains(stepId);
  }

  boolean isInput(String stepId) {
    return flow.steps().stream().anyMatch(s -> s.id().equals(stepId) && s instanceof Step.Input);
  }

  boolean hasStep(String stepId) {
    return result.steps().containsKey(stepId);
  }

  String noSuchStep(String stepId) {
    return "dataflow '" + flow.name() + "' has no step '" + stepId + "'; its steps are " + result.steps().keySet();
  }

  private List<String> outputStepIds() {
    List<String> ids = new ArrayList<>();
    for (Step s : flow.steps()) {
      if (s instanceof Step.Output out && out.sink() instanceof TestSink<?>) {
        ids.add(s.id());
      }
    }
    return ids;
  }

  /** {@code "dataflow 'wordcount' at 2 processes × 4 workers"}. */
  String describe() {
    return "dataflow '" + flow.name() + "' at " + Texts.deployment(processes(), workersPerProcess);
  }

  @Override
  public String toString() {
    return "TestRun[" + describe() + ", " + duration().toMillis() + " ms]";
  }
}
