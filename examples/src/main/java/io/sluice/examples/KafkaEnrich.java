package io.sluice.examples;

import io.sluice.connectors.StdOutSink;
import io.sluice.dataflow.Branched;
import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.Stream;
import io.sluice.kafka.KafkaOps;
import io.sluice.kafka.KafkaSink;
import io.sluice.kafka.KafkaSinkMessage;
import io.sluice.kafka.KafkaSource;
import io.sluice.kafka.KafkaSourceMessage;
import io.sluice.kafka.KafkaSplit;
import io.sluice.run.Sluice;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Kafka in → transform → Kafka out. Reads order lines {@code "sku,quantity"} from a topic, prices
 * them from a small catalog and writes {@code "sku,quantity,unitPrice,total"} keyed by SKU to
 * another topic. Lines that do not parse, or name an unknown SKU, are printed as rejected; records
 * that are not UTF-8 text go to the errors stream and are printed too. The input is
 * redistributed, so a topic with fewer partitions than workers still keeps every worker busy.
 *
 * <pre>
 *   bin/sluice run io.sluice.examples.KafkaEnrich -w 4 -- localhost:9092 orders priced-orders
 *   bin/sluice run io.sluice.examples.KafkaEnrich -w 4 -- localhost:9092 orders priced-orders --tail
 * </pre>
 *
 * Without {@code --tail} each input partition is read up to the end it had when the run started,
 * and the run then ends.
 */
public final class KafkaEnrich {
  /** Unit prices in cents. */
  static final Map<String, Long> CATALOG = Map.of("apple", 40L, "pear", 55L, "fig", 120L, "kiwi", 35L);

  private KafkaEnrich() {}

  /** CLI entry point: {@code <brokers> <in-topic> <out-topic> [--tail]}. */
  public static Dataflow flow(String[] args) {
    List<String> positional = java.util.Arrays.stream(args).filter(a -> !a.equals("--tail")).toList();
    if (positional.size() != 3) {
      throw new IllegalArgumentException("usage: KafkaEnrich <brokers> <in-topic> <out-topic> [--tail]");
    }
    boolean tail = List.of(args).contains("--tail");
    return flow(positional.get(0), positional.get(1), positional.get(2), tail);
  }

  /** The dataflow on {@code brokers}: {@code inTopic} → priced lines → {@code outTopic}. */
  public static Dataflow flow(String brokers, String inTopic, String outTopic, boolean tail) {
    Dataflow flow = new Dataflow("kafka-enrich");
    KafkaSplit<byte[], byte[]> in = KafkaOps.input(flow, "orders",
        KafkaSource.builder(brokers, inTopic).tail(tail).build());
    KafkaSplit<String, String> lines = KafkaOps.deserialize("decode", in.oks().redistribute("spread"),
        new StringDeserializer(), new StringDeserializer());
    lines.errs().merge("all-errors", in.errs()).output("print-errors", new StdOutSink<>());

    Stream<Priced> priced = lines.oks().map("price", KafkaEnrich::price);
    Branched<Priced> ok = priced.branch("known", p -> p.output() != null);
    ok.falses().map("explain", p -> "rejected " + p.source().position() + ": '" + p.source().value() + "'")
        .output("print-rejected", new StdOutSink<>());
    Stream<KafkaSinkMessage<String, String>> out = ok.trues().map("to-message", Priced::output);
    KafkaOps.serialize("encode", out, outTopic, new StringSerializer(), new StringSerializer())
        .output("priced-orders", KafkaSink.of(brokers, outTopic));
    return flow;
  }

  /** An input line and, if it could be priced, the record to write. */
  record Priced(KafkaSourceMessage<String, String> source, KafkaSinkMessage<String, String> output) {}

  /** Prices one {@code "sku,quantity"} line; {@code output} is null if it cannot be priced. */
  static Priced price(KafkaSourceMessage<String, String> m) {
    String line = m.value() == null ? "" : m.value().trim();
    String[] parts = line.split(",");
    if (parts.length != 2) {
      return new Priced(m, null);
    }
    String sku = parts[0].trim();
    Long unit = CATALOG.get(sku);
    long qty;
    try {
      qty = Long.parseLong(parts[1].trim());
    } catch (NumberFormatException e) {
      return new Priced(m, null);
    }
    if (unit == null || qty <= 0) {
      return new Priced(m, null);
    }
    return new Priced(m, KafkaSinkMessage.of(sku, sku + "," + qty + "," + unit + "," + unit * qty)
        .withHeaders(m.headers()));
  }

  /** Runs the flow in this JVM: {@code <brokers> <in-topic> <out-topic> [--tail] } on 4 workers. */
  public static void main(String[] args) {
    Sluice.run(flow(args), 4);
  }
}
