package io.sluice.examples;

import io.sluice.connectors.FileSource;
import io.sluice.connectors.IterableSource;
import io.sluice.connectors.StdOutSink;
import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.KeyedStream;
import io.sluice.dataflow.Stream;
import io.sluice.inputs.Source;
import io.sluice.outputs.Sink;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Word count: reads lines, splits them into lower-cased whitespace-separated words, counts each
 * word on the worker that owns it, and prints {@code word<TAB>count} lines. The same lines come out
 * at any worker count (in an order that may differ).
 *
 * <pre>
 *   bin/sluice run io.sluice.examples.WordCount -w 4              # the shipped text
 *   bin/sluice run io.sluice.examples.WordCount -w 4 -- file.txt  # a file, or a directory of files
 * </pre>
 */
public final class WordCount {
  /** The text shipped with the examples, read when no file is given. */
  public static final String SHIPPED_TEXT = "river.txt";

  private WordCount() {}

  /** The CLI entry point: the file (or directory) in {@code args[0]}, else the shipped text, to stdout. */
  public static Dataflow flow(String[] args) {
    Source<String> lines = args.length > 0 ? new FileSource(Path.of(args[0])) : IterableSource.of(shippedLines());
    return flow(lines, new StdOutSink<>());
  }

  /** Word count from {@code lines} to {@code out}, one {@code word\tcount} line per word. */
  public static Dataflow flow(Source<String> lines, Sink<? super String> out) {
    Dataflow flow = new Dataflow("wordcount");
    counts(flow.input("lines", lines))
        .map("format", kv -> kv.key() + "\t" + kv.value())
        .output("out", out);
    return flow;
  }

  /** The counting part: steps {@code split} and {@code count} (keyed by word). */
  public static KeyedStream<String, Long> counts(Stream<String> lines) {
    return lines.flatMap("split", WordCount::words).countFinal("count", word -> word);
  }

  /** The whitespace-separated tokens of {@code line}, lower-cased. */
  public static List<String> words(String line) {
    List<String> words = new ArrayList<>();
    for (String w : line.toLowerCase(Locale.ROOT).split("\\s+")) {
      if (!w.isEmpty()) {
        words.add(w);
      }
    }
    return words;
  }

  /** The lines of the shipped text. */
  public static List<String> shippedLines() {
    InputStream in = WordCount.class.getResourceAsStream(SHIPPED_TEXT);
    if (in == null) {
      throw new IllegalStateException("shipped text " + SHIPPED_TEXT + " is missing from the classpath");
    }
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      return r.lines().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
