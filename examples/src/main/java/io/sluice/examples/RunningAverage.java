package io.sluice.examples;

import io.sluice.connectors.IterableSource;
import io.sluice.connectors.StdOutSink;
import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.KV;
import io.sluice.dataflow.ValueState;
import io.sluice.inputs.Source;
import io.sluice.outputs.Sink;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A keyed stateful example: sensor readings in, the running mean of each sensor out, one
 * {@link Average} per reading. Each sensor's state (count and sum) lives on the one worker that owns
 * the sensor ({@code Routing.workerFor(sensor, workers)}), in step {@code average}; a sensor's
 * readings are handled there in the order they were read, so its averages come out in that order.
 *
 * <pre>
 *   bin/sluice run io.sluice.examples.RunningAverage -w 4              # 8 sensors, 5 readings each
 *   bin/sluice run io.sluice.examples.RunningAverage -w 4 -- 100 1000  # 100 sensors, 1000 readings each
 * </pre>
 */
public final class RunningAverage {
  private RunningAverage() {}

  /** One measurement of a sensor; {@code seq} counts that sensor's readings from 1. */
  public record Reading(String sensor, long seq, double value) implements Serializable {}

  /** A sensor's mean over its first {@code count} readings, emitted for reading {@code seq}. */
  public record Average(String sensor, long seq, long count, double mean) implements Serializable {
    @Override
    public String toString() {
      return String.format(Locale.ROOT, "%s#%d mean=%.3f (n=%d)", sensor, seq, mean, count);
    }
  }

  /** A sensor's state between readings. */
  record Sum(long count, double total) implements Serializable {}

  /** CLI entry point: {@code [sensors] [readingsPerSensor]}, printed to stdout. */
  public static Dataflow flow(String[] args) {
    int sensors = args.length > 0 ? Integer.parseInt(args[0]) : 8;
    int perSensor = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    return flow(IterableSource.of(readings(sensors, perSensor)), new StdOutSink<>());
  }

  /** Running means per sensor from {@code readings} to {@code out}; the keyed step is {@code average}. */
  public static Dataflow flow(Source<Reading> readings, Sink<? super Average> out) {
    // readings cross to the worker that owns their sensor, maybe in another process
    Dataflow flow = new Dataflow("running-average").registerTypes(Reading.class);
    flow.input("readings", readings)
        .keyOn("by-sensor", Reading::sensor)
        .statefulMap("average", RunningAverage::update)
        .map("unkey", KV::value)
        .output("out", out);
    return flow;
  }

  /** Adds one reading to its sensor's state and returns the new mean. */
  static Average update(ValueState<Sum> state, Reading r) {
    Sum s = state.getOrDefault(new Sum(0, 0));
    Sum next = new Sum(s.count() + 1, s.total() + r.value());
    state.set(next);
    return new Average(r.sensor(), r.seq(), next.count(), next.total() / next.count());
  }

  /** Deterministic readings: sensors {@code s0..}, each with {@code perSensor} readings, interleaved. */
  public static List<Reading> readings(int sensors, int perSensor) {
    List<Reading> all = new ArrayList<>(sensors * perSensor);
    for (int seq = 1; seq <= perSensor; seq++) {
      for (int s = 0; s < sensors; s++) {
        all.add(new Reading("s" + s, seq, (s * 7 + seq * 13) % 50 / 2.0));
      }
    }
    return all;
  }
}
