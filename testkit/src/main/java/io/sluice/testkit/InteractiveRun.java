package io.sluice.testkit;

import io.sluice.dataflow.Dataflow;
import io.sluice.run.RunResult;
import io.sluice.run.RunTimeoutException;
import io.sluice.run.RunningDataflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A flow started by {@link DataflowRunner#start} and driven by the test, step by step, as with
 * Kafka Streams' {@code TopologyTestDriver}: push items to its {@link InteractiveSource}s, move
 * virtual time, {@link #awaitIdle() wait} until the flow has processed everything pushed so far,
 * then assert on the {@link #output output so far} and on the {@link #state state of a key}; push
 * more; {@link #end()} it (or {@link #close()} it, for a flow that never ends by itself).
 *
 * <pre>{@code
 * try (InteractiveRun run = runner.start(flow)) {
 *   clicks.push("a", "b", "a");
 *   run.awaitIdle();
 *   assertThat(run.output(out)).containsExactlyInAnyOrder(...);
 *   assertThat(run.<Long>state("count", "a")).contains(2L);
 *   run.advance(Duration.ofMinutes(1));       // timers and timeouts due by then fire
 *   TestRun done = run.end();
 * }
 * }</pre>
 *
 * <p>How "idle" is known, without sleeping: {@link #awaitIdle()} queues a flush marker behind
 * what was pushed on every open partition of every interactive source; each partition closes an
 * epoch there and reports its number (a partition that reports an older epoch than another, having
 * seen fewer advances, is flushed again until it reaches the newest); the call returns once every
 * worker has closed the newest of those epochs ({@link RunningDataflow#completedEpoch()}). Epochs are aligned at every exchange,
 * so by then every step has processed every item pushed before the call, and the outputs, timers
 * and sink writes they caused have happened. A flow whose every source is interactive (or finite)
 * can be awaited; another source that never ends and never closes an epoch holds the epochs back,
 * and {@code awaitIdle} then times out with every worker's state.
 *
 * <p>Every wait is bounded by the runner's {@link DataflowRunner#timeout() timeout}: on timeout
 * the run is stopped and a {@link DataflowTimeoutError} carries every worker's state. A failure in
 * user code surfaces from the next call as the engine's {@code StepFailedException}. Single process
 * only ({@link DataflowRunner#processes()} = 1). Methods are for the test thread; the sources may
 * be pushed to from any thread.
 */
public final class InteractiveRun implements AutoCloseable {
  private final DataflowRunner runner;
  private final Dataflow flow;
  private final RunningDataflow running;
  private final Map<TestSink<?>, String> sinks;
  private final List<InteractiveSource<?>> sources;
  private final boolean virtualTime;
  private final Duration timeout;
  private TestRun ended;

  InteractiveRun(DataflowRunner runner, Dataflow flow, RunningDataflow running, Map<TestSink<?>, String> sinks,
      List<InteractiveSource<?>> sources) {
    this.runner = runner;
    this.flow = flow;
    this.running = running;
    this.sinks = sinks;
    this.sources = List.copyOf(sources);
    this.virtualTime = runner.config().virtualTime();
    this.timeout = runner.timeout();
  }

  /** The dataflow that runs. */
  public Dataflow flow() {
    return flow;
  }

  /** The engine's handle of the run. */
  public RunningDataflow running() {
    return running;
  }

  /** Whether the run has finished (every source ended) or was stopped. */
  public boolean isDone() {
    return running.isDone();
  }

  /** Waits, at most the runner's timeout, until everything pushed so far has been processed by every step. */
  public InteractiveRun awaitIdle() {
    return awaitIdle(timeout);
  }

  /**
   * Waits, at most {@code limit}, until every step has processed every item and marker pushed to
   * this run's interactive sources before the call (see the class comment for how). If the run
   * finished meanwhile (every source ended), returns once it has.
   *
   * @throws DataflowTimeoutError if that takes longer than {@code limit} (the run is then stopped)
   * @throws io.sluice.run.StepFailedException if user code failed
   */
  public InteractiveRun awaitIdle(Duration limit) {
    long deadline = System.nanoTime() + limit.toNanos();
    checkNotEnded("await");
    // Flush every open partition; a partition that closed an older epoch than another (it saw
    // fewer advances) is flushed again until each closed the newest: only then can that epoch
    // close on every worker.
    Map<InteractiveSource.Partition<?>, Long> closed = new HashMap<>();
    List<InteractiveSource.Partition<?>> toFlush = new ArrayList<>();
    for (InteractiveSource<?> s : sources) {
      toFlush.addAll(s.partitions().values());
    }
    long target = 0;
    while (!toFlush.isEmpty()) {
      Map<InteractiveSource.Partition<?>, CompletableFuture<Long>> flushes = new HashMap<>();
      for (InteractiveSource.Partition<?> p : toFlush) {
        CompletableFuture<Long> f = p.flush();
        if (f != null) {
          flushes.put(p, f);
        }
      }
      if (flushes.isEmpty()) {
        break;
      }
      awaitUntil(() -> running.isDone() || flushes.values().stream().allMatch(CompletableFuture::isDone), deadline,
          limit, "every open partition of the interactive sources to reach what was pushed so far");
      surfaceFailure();
      if (running.isDone()) {
        return this;
      }
      for (Map.Entry<InteractiveSource.Partition<?>, CompletableFuture<Long>> e : flushes.entrySet()) {
        closed.put(e.getKey(), e.getValue().join());
        target = Math.max(target, e.getValue().join());
      }
      toFlush = new ArrayList<>();
      for (Map.Entry<InteractiveSource.Partition<?>, Long> e : closed.entrySet()) {
        if (e.getValue() < target) {
          toFlush.add(e.getKey());
        }
      }
    }
    if (closed.isEmpty()) {
      awaitUntil(running::isDone, deadline, limit, "every source to end");
      surfaceFailure();
      return this;
    }
    long epoch = target;
    awaitUntil(() -> running.isDone() || running.completedEpoch() >= epoch, deadline, limit,
        "every worker to complete epoch " + epoch + " (the epoch closed behind what was pushed so far)");
    surfaceFailure();
    return this;
  }

  /**
   * Advances the virtual time of every open partition of every interactive source by {@code d},
   * then {@link #awaitIdle() waits until idle}: timers, {@code collect} timeouts and window closes
   * due by the new time have fired and their output reached the sinks.
   *
   * @throws IllegalStateException    if the run is on the system clock ({@link DataflowRunner#withSystemClock()})
   * @throws IllegalArgumentException if {@code d} is less than 1 ms
   */
  public InteractiveRun advance(Duration d) {
    if (!virtualTime) {
      throw new IllegalStateException("advance needs virtual time, and this run is on the system clock"
          + " (DataflowRunner.withSystemClock): push items and awaitIdle() instead");
    }
    InteractiveSource.checkAdvance(d);
    checkNotEnded("advance");
    for (InteractiveSource<?> s : sources) {
      s.advance(d);
    }
    return awaitIdle();
  }

  /**
   * What {@code sink} has received so far in this run, with provenance; it does not wait (call
   * {@link #awaitIdle()} first for everything pushed so far).
   *
   * @throws IllegalArgumentException if {@code sink} is not an output of the flow
   */
  public <T> SinkOutput<T> output(TestSink<T> sink) {
    String label = sinks.get(sink);
    if (label == null) {
      throw new IllegalArgumentException(sink + " is not an output of dataflow '" + flow.name() + "'");
    }
    return new SinkOutput<>(label, runner.workers(), sink.captured());
  }

  /**
   * The state of {@code key} in stateful step {@code stepId} now: its logic's {@code snapshot()},
   * read on the worker that owns the key between two of its activations, or empty if that worker
   * holds no state for the key (never seen, or discarded). It does not wait for idle (call
   * {@link #awaitIdle()} first); it waits, bounded, for the worker to answer. The snapshot is the
   * object the logic returned: do not hold on to a live mutable one while the run goes on.
   *
   * @param <S> the snapshot type of the step's logic
   * @throws IllegalArgumentException if the flow has no stateful step {@code stepId}, or the key cannot be routed
   * @throws DataflowTimeoutError     if the worker does not answer within the runner's timeout
   */
  @SuppressWarnings("unchecked")
  public <S> Optional<S> state(String stepId, Object key) {
    checkNotEnded("read state of");
    surfaceFailure();
    CompletableFuture<Optional<Object>> answer = running.keyState(stepId, key);
    try {
      return (Optional<S>) answer.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      surfaceFailure();
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(e.getCause());
    } catch (TimeoutException e) {
      throw timedOut(timeout, "the worker owning key " + key + " of step '" + stepId + "' to read its state");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running.cancel();
      throw new CancellationException("interrupted while reading state of step '" + stepId + "'");
    }
  }

  /**
   * Ends every open partition of the interactive sources, waits (at most the runner's timeout) for
   * the run to finish, and returns it as a {@link TestRun}: statistics and the sinks' whole output.
   * Calling it again returns the same result.
   *
   * @throws DataflowTimeoutError if the run does not finish in time (e.g. another source never ends)
   * @throws io.sluice.run.StepFailedException if user code failed
   */
  public TestRun end() {
    if (ended != null) {
      return ended;
    }
    for (InteractiveSource<?> s : sources) {
      s.endOfStream();
    }
    RunResult result;
    try {
      result = running.await(timeout);
    } catch (RunTimeoutException e) {
      throw new DataflowTimeoutError(e);
    }
    ended = new TestRun(flow, result, runner.workersPerProcess(), runner.snapshot(sinks));
    return ended;
  }

  /**
   * Stops the run if it is still going (a flow that never ends by itself ends this way) and waits,
   * bounded, for its workers to exit. Does not throw for a failure or cancellation of the run.
   */
  @Override
  public void close() {
    if (!running.isDone()) {
      running.cancel();
    }
    try {
      running.await(timeout);
    } catch (RuntimeException e) {
      // cancelled, or failed: already reported, or the test is done with this run
    }
  }

  /** Every worker's state now: steps, what each waits on, queue depths, open epoch. */
  public String dumpState() {
    return running.dumpState();
  }

  private void checkNotEnded(String what) {
    if (ended != null) {
      throw new IllegalStateException("cannot " + what + " dataflow '" + flow.name() + "': it has ended");
    }
  }

  /** If the run has finished, throws its failure (a StepFailedException, or a cancellation); else nothing. */
  private void surfaceFailure() {
    if (running.isDone()) {
      running.await(); // throws the failure, if any
    }
  }

  private void awaitUntil(java.util.concurrent.Callable<Boolean> condition, long deadline, Duration limit,
      String what) {
    long left = deadline - System.nanoTime();
    try {
      Awaitility.await(what).atMost(Duration.ofNanos(Math.max(left, 1)))
          .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1)).pollInSameThread()
          .until(condition);
    } catch (ConditionTimeoutException e) {
      throw timedOut(limit, what);
    }
  }

  private DataflowTimeoutError timedOut(Duration limit, String what) {
    String dump = running.dumpState();
    running.cancel();
    try {
      running.await(Duration.ofSeconds(10));
    } catch (RuntimeException e) {
      // cancelled: expected
    }
    return new DataflowTimeoutError(new RunTimeoutException("interactive run of dataflow '" + flow.name() + "' on "
        + Texts.workers(runner.workers()) + ": timed out after " + limit + " waiting for " + what
        + "; it was stopped. Worker state at the timeout:", dump));
  }
}
