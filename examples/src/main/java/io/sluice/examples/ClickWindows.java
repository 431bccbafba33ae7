package io.sluice.examples;

import io.sluice.connectors.FileSource;
import io.sluice.connectors.StdOutSink;
import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.KeyedStream;
import io.sluice.inputs.Source;
import io.sluice.outputs.Sink;
import io.sluice.run.RunConfig;
import io.sluice.run.Sluice;
import io.sluice.windowing.EventClock;
import io.sluice.windowing.WindowOut;
import io.sluice.windowing.Windower;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Clicks per user and minute, in event time: reads a CSV file of {@code epochMillis,user} lines
 * (one partition, in file order), puts each click into the 60 s tumbling window (aligned to
 * 1970-01-01T00:00Z) its timestamp falls in, and counts clicks per user and window. Each user has
 * an {@link EventClock} on the first column that waits 10 s for out-of-order clicks: a click more
 * than 10 s older than that user's newest click is late. Prints one line per closed window,
 * {@code user<TAB>windowStartMillis<TAB>count}, and one per late click,
 * {@code late<TAB>user<TAB>epochMillis}. The same lines at any worker count (in an order that may
 * differ). Blank lines are skipped; any other line that is not {@code epochMillis,user} fails the
 * run naming the line.
 *
 * <pre>
 *   bin/sluice run io.sluice.examples.ClickWindows -w 4 -- clicks.csv
 * </pre>
 *
 * <p>Replaying a file, the system time that passes between lines means nothing; {@link #main} runs
 * on virtual time so the watermark depends only on the timestamps (under the CLI's real clock a
 * run of a few milliseconds moves each watermark by those milliseconds).
 */
public final class ClickWindows {
  /** Window length. */
  public static final Duration WINDOW = Duration.ofSeconds(60);
  /** How long each user's clock waits for out-of-order clicks. */
  public static final Duration WAIT = Duration.ofSeconds(10);

  private ClickWindows() {}

  /** One click: when and whose. */
  public record Click(long epochMillis, String user) implements java.io.Serializable {}

  /** The CLI entry point: the CSV file in {@code args[0]}, to stdout. */
  public static Dataflow flow(String[] args) {
    if (args.length != 1) {
      throw new IllegalArgumentException("ClickWindows needs one argument, the CSV file of epochMillis,user lines;"
          + " got " + args.length);
    }
    Path csv = Path.of(args[0]);
    if (!Files.isRegularFile(csv)) {
      throw new IllegalArgumentException("ClickWindows: " + csv + " is not a readable file");
    }
    return flow(new FileSource(csv), new StdOutSink<>());
  }

  /** Counts from {@code lines} to {@code out}. Steps: parse, user, count (window), show-*, out. */
  public static Dataflow flow(Source<String> lines, Sink<? super String> out) {
    Dataflow flow = new Dataflow("click-windows").registerTypes(Click.class);
    KeyedStream<String, Click> clicks = flow.input("clicks", lines)
        .filterMap("parse", ClickWindows::parse)
        .keyOn("user", Click::user);
    WindowOut<String, Click, Long> counts = clicks.countWindow("count",
        new EventClock<>((Click c) -> Instant.ofEpochMilli(c.epochMillis()), WAIT),
        Windower.tumbling(WINDOW, Instant.EPOCH));
    counts.down()
        .map("show-window", kv -> kv.key() + "\t" + kv.value().windowId() * WINDOW.toMillis() + "\t" + kv.value().value())
        .merge("all", counts.late().map("show-late", kv -> "late\t" + kv.key() + "\t" + kv.value().value().epochMillis()))
        .output("out", out);
    return flow;
  }

  /**
   * A line as a click; blank lines give nothing.
   *
   * @throws IllegalArgumentException naming the line if it is not {@code epochMillis,user}
   */
  public static Optional<Click> parse(String line) {
    if (line.isBlank()) {
      return Optional.empty();
    }
    int comma = line.indexOf(',');
    String user = comma < 0 ? "" : line.substring(comma + 1).trim();
    if (comma < 0 || user.isEmpty() || user.indexOf(',') >= 0) {
      throw new IllegalArgumentException("expected 'epochMillis,user', got '" + line + "'");
    }
    try {
      return Optional.of(new Click(Long.parseLong(line.substring(0, comma).trim()), user));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("expected 'epochMillis,user' with a whole number of milliseconds, got '"
          + line + "'");
    }
  }

  /** Runs the file in {@code args[0]} on 4 workers in this JVM, on virtual time (see the class comment). */
  public static void main(String[] args) {
    Sluice.run(flow(args), RunConfig.workers(4).withVirtualTime(Instant.EPOCH));
  }
}
