package io.sluice.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.dataflow.Dataflow;
import io.sluice.testkit.DataflowRunner;
import io.sluice.testkit.DataflowTest;
import io.sluice.testkit.Script;
import io.sluice.testkit.TestRun;
import io.sluice.testkit.TestSink;
import io.sluice.testkit.TestSource;
import io.sluice.testkit.kafka.KafkaBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Kafka connector's item types cross processes with no {@code registerTypes}: they are listed
 * by its {@link KafkaSerdeTypes}. And its sinks make every batch visible when it is written.
 */
class KafkaTypesAcrossProcessesTest {
  @RegisterExtension
  static final KafkaBroker broker = KafkaBroker.create();

  @BeforeAll
  static void topics() {
    broker.createTopic("twenty", 1);
    broker.produceStrings("twenty", 0, IntStream.range(0, 20).mapToObj(i -> "v" + i).toList());
  }

  @DataflowTest(workers = {1, 2}, processes = {1, 2})
  void sourceMessagesCrossProcessesWithoutRegistration(DataflowRunner runner) {
    TestSink<String> out = new TestSink<>();
    Dataflow flow = new Dataflow("kafka-redistribute");
    flow.input("in", KafkaSource.builder(broker.bootstrapServers(), "twenty").batchSize(3).build())
        .redistribute("spread")
        .map("value", m -> new String(m.value(), UTF_8))
        .output("out", out);
    TestRun run = runner.run(flow);
    assertThat(run.output(out).items())
        .containsExactlyInAnyOrderElementsOf(IntStream.range(0, 20).mapToObj(i -> "v" + i).toList());
  }

  @DataflowTest(workers = 1, processes = {1, 2})
  void sinkMessagesHeadersAndErrorRecordsCrossProcessesWithoutRegistration(DataflowRunner runner) {
    TestSink<Object> out = new TestSink<>();
    KafkaSourceMessage<byte[], byte[]> read = new KafkaSourceMessage<>("k".getBytes(UTF_8), "v".getBytes(UTF_8),
        "t", 0, 7, 1_000, List.of(new KafkaHeader("h", new byte[] {1})));
    List<Object> items = List.of(
        read,
        new KafkaSinkMessage<>("k".getBytes(UTF_8), "v".getBytes(UTF_8), "t", 1, 5L, List.of(new KafkaHeader("h", null))),
        KafkaError.of(new KafkaConnectorException("cannot deserialize the value",
            new org.apache.kafka.common.errors.SerializationException("bad bytes")), read),
        new KafkaError<>(new IllegalStateException("partition lost"), null, "t", 0, 3));
    Dataflow flow = new Dataflow("kafka-types");
    flow.input("in", TestSource.ofAll(items).withBatchSize(1))
        .redistribute("spread")
        .map("describe", String::valueOf)
        .output("out", out);
    TestRun run = runner.run(flow);
    assertThat(run.output(out).items()).containsExactlyInAnyOrderElementsOf(items.stream().map(String::valueOf).toList());
  }

  @DataflowTest(workers = {1, 2})
  void kafkaSinkMakesEachBatchVisibleWhenWriteBatchReturns(DataflowRunner runner) throws Exception {
    String topic = "flushed-" + runner.workers();
    broker.createTopic(topic, 1);
    Dataflow flow = new Dataflow("kafka-flushed");
    flow.input("in", TestSource.of(Script.of("early").pause(Duration.ofSeconds(6)).then("late")))
        .map("message", s -> KafkaSinkMessage.<byte[], byte[]>of(null, s.getBytes(UTF_8)))
        // a long linger: without the flush per batch, the producer would hold "early" for 20 s
        .output("out", new KafkaSink(List.of(broker.bootstrapServers()), topic, java.util.Map.of("linger.ms", 20_000),
            KafkaSource.DEFAULT_METADATA_TIMEOUT));
    CompletableFuture<TestRun> run = CompletableFuture.supplyAsync(() -> runner.withSystemClock().run(flow)); // a real pause
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(broker.consumerProperties())) {
      consumer.assign(List.of(new TopicPartition(topic, 0)));
      consumer.seekToBeginning(List.of(new TopicPartition(topic, 0)));
      List<String> seen = new ArrayList<>();
      await("'early' in topic " + topic + " during the pause").atMost(5500, TimeUnit.MILLISECONDS)
          .pollInterval(Duration.ofMillis(10))
          .until(() -> {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(50))) {
              seen.add(new String(r.value(), UTF_8));
            }
            return seen.contains("early");
          });
      assertThat(run.isDone()).as("the run is still in the pause").isFalse();
    }
    run.get(60, TimeUnit.SECONDS);
  }
}
