package io.sluice.dataflow;

import io.sluice.inputs.Source;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A dataflow plan: named steps connected by streams, built with a fluent API and run by the
 * runtime once per worker. Building never starts threads. Steps are kept in the order they were
 * added, which is always a topological order (a step can only read streams that already exist).
 *
 * <pre>{@code
 * Dataflow flow = new Dataflow("wordcount");
 * flow.input("lines", source)
 *     .flatMap("split", line -> List.of(line.split("\\s+")))
 *     .countFinal("count", word -> word)
 *     .output("out", sink);
 * }</pre>
 *
 * <p>Errors in the plan fail early with a {@link FlowValidationException} naming the step: a
 * duplicate or blank step id and a stream from another dataflow when the step is added; a
 * dataflow without input or output when {@link #validate()} runs (the runner calls it before
 * anything runs).
 */
public final class Dataflow {
  private final String name;
  private final List<Step> steps = new ArrayList<>();
  private final Set<String> ids = new HashSet<>();
  private final List<String> registeredTypes = new ArrayList<>();

  public Dataflow(String name) {
    if (name == null || name.isBlank()) {
      throw new FlowValidationException("a dataflow needs a non-blank name");
    }
    this.name = name;
  }

  /** The dataflow's name (used in thread names and logs). */
  public String name() {
    return name;
  }

  /** The steps in the order they were added (a topological order). */
  public List<Step> steps() {
    return Collections.unmodifiableList(steps);
  }

  /**
   * The plan's graph as it is now: steps, their kernel kinds, the streams between them and where
   * items are exchanged between workers and why; renders as Mermaid, DOT or JSON (what
   * {@code sluice visualize} prints).
   */
  public FlowGraph graph() {
    return FlowGraph.of(this);
  }

  /** Adds an input step reading {@code source}. */
  public <T> Stream<T> input(String id, Source<T> source) {
    Objects.requireNonNull(source, () -> "step '" + id + "': source must not be null");
    return new Stream<>(this, add(new Step.Input(id, source)), 0);
  }

  /** Merges several streams of this dataflow into one (same as {@link Stream#merge}). */
  @SafeVarargs
  public final <T> Stream<T> merge(String id, Stream<? extends T>... streams) {
    List<Stream<?>> inputs = List.of(streams);
    if (inputs.isEmpty()) {
      throw new FlowValidationException("step '" + id + "': merge needs at least one stream");
    }
    return new Stream<>(this, add(new Step.Merge(id, inputs)), 0);
  }

  /**
   * Allows these item types to be deserialized when items cross processes. Types Sluice itself
   * puts in streams ({@code KV}, {@code Joined}, Kafka messages ...: see
   * {@link io.sluice.serde.SerdeTypes}) and JDK value types are always allowed; anything else
   * arriving from the network is refused. Every process must register the types it receives; the
   * order does not matter (the default serde registers types by class name).
   */
  public Dataflow registerTypes(Class<?>... types) {
    for (Class<?> t : types) {
      registeredTypes.add(t.getName());
    }
    return this;
  }

  /** Names of the types given to {@link #registerTypes}, in order. */
  public List<String> registeredTypeNames() {
    return Collections.unmodifiableList(registeredTypes);
  }

  /**
   * Checks the whole plan: at least one input and one output step. Called by every runner before
   * anything runs; safe to call any time.
   *
   * @throws FlowValidationException naming the dataflow and what is missing
   */
  public void validate() {
    boolean hasInput = steps.stream().anyMatch(s -> s instanceof Step.Input);
    boolean hasOutput = steps.stream().anyMatch(s -> s instanceof Step.Output);
    if (!hasInput) {
      throw new FlowValidationException("dataflow '" + name + "' has no input step; add one with input(id, source)");
    }
    if (!hasOutput) {
      throw new FlowValidationException(
          "dataflow '" + name + "' has no output step; add one with output(id, sink) on a stream");
    }
  }

  /** Adds a kernel step after checking its id and that its inputs belong to this dataflow. */
  <S extends Step> S add(S step) {
    String id = step.id();
    if (id == null || id.isBlank()) {
      throw new FlowValidationException("dataflow '" + name + "': every step needs a non-blank id");
    }
    if (!ids.add(id)) {
      throw new FlowValidationException("dataflow '" + name + "': duplicate step id '" + id + "'");
    }
    for (Stream<?> in : step.inputs()) {
      Objects.requireNonNull(in, () -> "step '" + id + "': input stream must not be null");
      if (in.flow() != this) {
        ids.remove(id);
        throw new FlowValidationException("step '" + id + "' in dataflow '" + name
            + "' reads a stream of dataflow '" + in.flow().name + "' (from step '" + in.step().id()
            + "'); streams cannot cross dataflows");
      }
    }
    steps.add(step);
    return step;
  }

  @Override
  public String toString() {
    return "Dataflow[" + name + ", " + steps.size() + " steps]";
  }
}
