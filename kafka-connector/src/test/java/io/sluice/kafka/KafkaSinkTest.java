package io.sluice.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.Stream;
import io.sluice.run.RunConfig;
import io.sluice.run.RunResult;
import io.sluice.run.Sluice;
import io.sluice.run.StepFailedException;
import io.sluice.testkit.kafka.KafkaBroker;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.IntegerDeserializer;
import org.apache.kafka.common.serialization.LongSerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Kafka in → keyed steps → Kafka out, read back from the broker; (de)serialization and its errors. */
class KafkaSinkTest {
  private static final Duration RUN_TIMEOUT = Duration.ofSeconds(60);
  private static final List<String> LINES = List.of("the quick brown fox", "jumps over the lazy dog", "the dog sleeps",
      "a fox and a dog", "the end");

  @RegisterExtension
  static final KafkaBroker broker = KafkaBroker.create();

  @BeforeAll
  static void topics() {
    broker.createTopic("lines", 3);
    for (int i = 0; i < LINES.size(); i++) {
      broker.produceStrings("lines", i % 3, List.of(LINES.get(i)));
    }
  }

  private static Map<String, Long> expectedCounts() {
    Map<String, Long> m = new TreeMap<>();
    LINES.forEach(l -> List.of(l.split(" ")).forEach(w -> m.merge(w, 1L, Long::sum)));
    return m;
  }

  private static RunResult run(Dataflow flow, int workers) {
    return Sluice.start(flow, RunConfig.workers(workers)).await(RUN_TIMEOUT);
  }

  /** lines → words → countFinal → serialized (word, count) records. */
  private static Dataflow wordCount(String name, String inTopic, java.util.function.Consumer<
      io.sluice.dataflow.Stream<KafkaSinkMessage<byte[], byte[]>>> out) {
    Dataflow flow = new Dataflow(name);
    var lines = KafkaOps.deserializeOrRaise("deser",
        flow.input("in", KafkaSource.builder(broker.bootstrapServers(), inTopic).build()),
        new StringDeserializer(), new StringDeserializer());
    var counts = lines.flatMap("split", m -> List.of(m.value().split(" ")))
        .countFinal("count", w -> w)
        .map("to-message", kv -> KafkaSinkMessage.of(kv.key(), kv.value()));
    out.accept(KafkaOps.serialize("ser", counts, null, new StringSerializer(), new LongSerializer()));
    return flow;
  }

  private static Map<String, Long> countsIn(List<ConsumerRecord<byte[], byte[]>> records) {
    Map<String, Long> m = new TreeMap<>();
    for (ConsumerRecord<byte[], byte[]> r : records) {
      assertThat(m.put(new String(r.key(), UTF_8), ByteBuffer.wrap(r.value()).getLong()))
          .as("one record per word").isNull();
    }
    return m;
  }

  @ParameterizedTest(name = "{0} workers")
  @ValueSource(ints = {1, 3})
  void kafkaToKeyedCountToKafka(int workers) {
    String outTopic = "counts-w" + workers;
    broker.createTopic(outTopic, 2);
    Dataflow flow = wordCount("wordcount-" + workers, "lines", s -> s.output("out", KafkaSink.of(broker.bootstrapServers(), outTopic)));

    run(flow, workers);

    assertThat(countsIn(broker.readAll(outTopic))).isEqualTo(expectedCounts());
  }

  @Test
  void partitionedSinkKeepsEachKeyOnKafkasPartitionForIt() {
    broker.createTopic("counts-partitioned", 3);
    Dataflow flow = wordCount("wordcount-partitioned", "lines",
        s -> s.output("out", KafkaPartitionedSink.of(broker.bootstrapServers(), "counts-partitioned")));

    run(flow, 4);

    List<ConsumerRecord<byte[], byte[]>> records = broker.readAll("counts-partitioned");
    assertThat(countsIn(records)).isEqualTo(expectedCounts());
    for (ConsumerRecord<byte[], byte[]> r : records) {
      assertThat(r.partition()).as("partition of key %s", new String(r.key(), UTF_8))
          .isEqualTo(KafkaPartitionedSink.partitionForKey(r.key(), 3));
    }
    // ... which is where Kafka's own producer puts that key
    broker.createTopic("partitioner-check", 3);
    broker.produceKeyed("partitioner-check", List.of(Map.entry("fox", "x"), Map.entry("dog", "y"), Map.entry("the", "z")));
    for (ConsumerRecord<byte[], byte[]> r : broker.readAll("partitioner-check")) {
      assertThat(r.partition()).isEqualTo(KafkaPartitionedSink.partitionForKey(r.key(), 3));
    }
  }

  @Test
  void sinkHonoursPerMessageTopicKeyHeadersAndTimestamp() {
    broker.createTopic("routed-a", 1);
    broker.createTopic("routed-b", 2);
    Dataflow flow = new Dataflow("routed");
    flow.input("in", io.sluice.connectors.IterableSource.of(List.of(1, 2, 3, 4)))
        .map("to-message", i -> new KafkaSinkMessage<>(("k" + i).getBytes(UTF_8), ("v" + i).getBytes(UTF_8),
            i % 2 == 0 ? "routed-a" : "routed-b", i % 2 == 0 ? null : 1, 1_000L * i,
            List.of(KafkaHeader.of("n", String.valueOf(i)))))
        .output("out", new KafkaSink(List.of(broker.bootstrapServers()), null));

    run(flow, 2);

    List<ConsumerRecord<byte[], byte[]>> a = broker.readAll("routed-a");
    List<ConsumerRecord<byte[], byte[]>> b = broker.readAll("routed-b");
    assertThat(a).extracting(r -> new String(r.value(), UTF_8)).containsExactlyInAnyOrder("v2", "v4");
    assertThat(b).extracting(r -> new String(r.value(), UTF_8)).containsExactlyInAnyOrder("v1", "v3");
    assertThat(b).allSatisfy(r -> assertThat(r.partition()).isEqualTo(1));
    for (ConsumerRecord<byte[], byte[]> r : concat(a, b)) {
      int i = Integer.parseInt(new String(r.value(), UTF_8).substring(1));
      assertThat(new String(r.key(), UTF_8)).isEqualTo("k" + i);
      assertThat(r.timestamp()).isEqualTo(1_000L * i);
      assertThat(new String(r.headers().lastHeader("n").value(), UTF_8)).isEqualTo(String.valueOf(i));
    }
  }

  @Test
  void sinkToAnUnknownTopicFailsNamingIt() {
    Dataflow flow = new Dataflow("unknown-out");
    flow.input("in", io.sluice.connectors.IterableSource.of(List.of(1)))
        .map("to-message", i -> KafkaSinkMessage.of((byte[]) null, new byte[] {1}))
        .output("out", new KafkaSink(List.of(broker.bootstrapServers()), "no-such-out-topic", Map.of(),
            Duration.ofSeconds(2)));
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> run(flow, 1))
        .isInstanceOf(StepFailedException.class)
        .hasMessageContaining("'out'")
        .cause()
        .hasMessageContaining("'no-such-out-topic'")
        .hasMessageContaining(broker.bootstrapServers());
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(30));

    Dataflow partitioned = new Dataflow("unknown-out-partitioned");
    partitioned.input("in", io.sluice.connectors.IterableSource.of(List.of(1)))
        .map("to-message", i -> KafkaSinkMessage.of((byte[]) null, new byte[] {1}))
        .output("out", KafkaPartitionedSink.of(broker.bootstrapServers(), "no-such-out-topic"));
    assertThatThrownBy(() -> run(partitioned, 1))
        .isInstanceOf(StepFailedException.class)
        .cause()
        .hasMessageContaining("'no-such-out-topic' does not exist");
  }

  @Test
  void sinkToUnreachableBrokersFailsWithinItsTimeout() throws Exception {
    String nobody;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      nobody = "127.0.0.1:" + s.getLocalPort();
    }
    Dataflow flow = new Dataflow("unreachable-out");
    flow.input("in", io.sluice.connectors.IterableSource.of(List.of(1)))
        .map("to-message", i -> KafkaSinkMessage.of((byte[]) null, new byte[] {1}))
        .output("out", new KafkaSink(List.of(nobody), "counts", Map.of(), Duration.ofSeconds(2)));
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> run(flow, 1))
        .isInstanceOf(StepFailedException.class)
        .hasMessageContaining("'out'")
        .cause()
        .hasMessageContaining(nobody)
        .hasMessageContaining("not available within 2000 ms");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(30));
  }

  /** "numbers": 4-byte ints at offsets 0, 1, 3 and a 3-byte value at offset 2. */
  private static void numbersTopic(String topic) {
    broker.createTopic(topic, 1);
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    for (byte[] v : List.of(ByteBuffer.allocate(4).putInt(10).array(), ByteBuffer.allocate(4).putInt(11).array(),
        "bad".getBytes(UTF_8), ByteBuffer.allocate(4).putInt(13).array())) {
      records.add(new ProducerRecord<>(topic, 0, null, v));
    }
    broker.produce(records);
  }

  @Test
  void deserializationErrorsFlowIntoTheirOwnStream() {
    numbersTopic("numbers");
    ListSink<Integer> oks = new ListSink<>();
    ListSink<KafkaError<byte[], byte[]>> errs = new ListSink<>();
    Dataflow flow = new Dataflow("deser-errors");
    KafkaSplit<byte[], byte[]> in = KafkaOps.input(flow, "in",
        KafkaSource.builder(broker.bootstrapServers(), "numbers").raiseOnErrors(false).build());
    in.errs().output("read-errors", errs);
    KafkaSplit<byte[], Integer> parsed = KafkaOps.deserialize("deser", in.oks(),
        new org.apache.kafka.common.serialization.ByteArrayDeserializer(), new IntegerDeserializer());
    parsed.oks().map("value", KafkaSourceMessage::value).output("out", oks);
    parsed.errs().output("errors", errs);

    run(flow, 2);

    assertThat(oks.items()).containsExactlyInAnyOrder(10, 11, 13);
    assertThat(errs.items()).singleElement().satisfies(e -> {
      assertThat(e.topic()).isEqualTo("numbers");
      assertThat(e.offset()).isEqualTo(2);
      assertThat(new String(e.message().value(), UTF_8)).isEqualTo("bad");
      assertThat(e.error()).hasMessageContaining("numbers-0@2").hasMessageContaining("IntegerDeserializer");
    });
  }

  @Test
  void deserializationErrorsAreStepErrorsLikeAnyUserCodeError() {
    numbersTopic("numbers-tried");
    ListSink<io.sluice.dataflow.StepError<?>> deadLetters = new ListSink<>();
    ListSink<Integer> oks = new ListSink<>();
    Dataflow flow = new Dataflow("deser-tried");
    io.sluice.dataflow.Tried<KafkaSourceMessage<byte[], Integer>, KafkaSourceMessage<byte[], byte[]>> parsed =
        KafkaOps.tryDeserialize("deser", flow.input("in", KafkaSource.builder(broker.bootstrapServers(), "numbers-tried").build()),
            new org.apache.kafka.common.serialization.ByteArrayDeserializer(), new IntegerDeserializer());
    io.sluice.dataflow.Tried<Integer, Integer> checked = parsed.out().map("value", KafkaSourceMessage::value)
        .tryMap("check", v -> {
          if (v == 13) {
            throw new IllegalArgumentException("13 is unlucky");
          }
          return v;
        });
    checked.out().output("out", oks);
    // one dead-letter path for both: a record that did not deserialize and a value user code refused
    flow.<io.sluice.dataflow.StepError<?>>merge("dead", (Stream) parsed.errors(), (Stream) checked.errors())
        .output("dead-letters", deadLetters);

    run(flow, 2);

    assertThat(oks.items()).containsExactlyInAnyOrder(10, 11);
    assertThat(deadLetters.items()).extracting(io.sluice.dataflow.StepError::stepId)
        .containsExactlyInAnyOrder("deser", "check");
    assertThat(deadLetters.items()).filteredOn(e -> e.stepId().equals("deser")).singleElement().satisfies(e -> {
      assertThat(e.error()).isInstanceOf(KafkaConnectorException.class).hasMessageContaining("numbers-tried-0@2");
      assertThat(new String(((KafkaSourceMessage<?, byte[]>) e.item()).value(), UTF_8)).isEqualTo("bad");
    });
  }

  @Test
  void deserializationErrorsCanStopTheRunNamingTheRecord() {
    numbersTopic("numbers-raise");
    Dataflow flow = new Dataflow("deser-raise");
    KafkaOps.deserializeOrRaise("deser", flow.input("in", KafkaSource.builder(broker.bootstrapServers(), "numbers-raise").build()),
            new StringDeserializer(), new IntegerDeserializer())
        .output("out", new ListSink<>());
    assertThatThrownBy(() -> run(flow, 1))
        .isInstanceOf(StepFailedException.class)
        .hasMessageContaining("step 'deser'")
        .hasMessageContaining("numbers-raise-0@2")
        .cause()
        .isInstanceOf(KafkaConnectorException.class)
        .hasMessageContaining("cannot deserialize the value of record numbers-raise-0@2");
  }

  private static <T> List<T> concat(List<T> a, List<T> b) {
    List<T> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }
}
