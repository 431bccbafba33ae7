package io.sluice.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.connectors.IterableSource;
import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import io.sluice.run.RunConfig;
import io.sluice.run.Sluice;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/** A flow's Kafka wiring tested without a broker: messages made with KafkaSourceMessage.of. */
class KafkaMessagesWithoutBrokerTest {
  @Test
  void ofMakesAMessageAsTheSourceWouldGiveIt() {
    KafkaSourceMessage<String, Integer> m = KafkaSourceMessage.of("k", 1);
    assertThat(m.key()).isEqualTo("k");
    assertThat(m.value()).isEqualTo(1);
    assertThat(m.position()).isEqualTo(KafkaSourceMessage.TEST_TOPIC + "-0@0");
    assertThat(m.timestamp()).isEqualTo(-1L);
    assertThat(m.headers()).isEmpty();
    KafkaSourceMessage<String, Integer> moved = m.at("orders", 3, 42).withTimestamp(1_000L)
        .withHeaders(List.of(KafkaHeader.of("trace", "t1")));
    assertThat(moved.position()).isEqualTo("orders-3@42");
    assertThat(moved.timestamp()).isEqualTo(1_000L);
    assertThat(moved.headers()).extracting(KafkaHeader::key).containsExactly("trace");
  }

  @Test
  void aFlowsDeserializationRunsOnMessagesMadeInTheTest() {
    Dataflow flow = new Dataflow("wiring");
    ListSink<KafkaSourceMessage<String, String>> sink = new ListSink<>();
    var raw = flow.input("in", IterableSource.of(List.of(KafkaSourceMessage.ofUtf8("a", "1"),
        KafkaSourceMessage.ofUtf8(null, "2"))));
    KafkaOps.deserializeOrRaise("decode", raw, new StringDeserializer(), new StringDeserializer()).output("out", sink);
    Sluice.start(flow, RunConfig.workers(1)).await(Duration.ofSeconds(30));
    assertThat(sink.items()).extracting(KafkaSourceMessage::key).containsExactly("a", null);
    assertThat(sink.items()).extracting(KafkaSourceMessage::value).containsExactly("1", "2");
  }

  @Test
  void messagesWithTheSameBytesAreEqualSoRawOutputsCanBeCompared() {
    assertThat(KafkaSourceMessage.ofUtf8("a", "1")).isEqualTo(KafkaSourceMessage.ofUtf8("a", "1"))
        .hasSameHashCodeAs(KafkaSourceMessage.ofUtf8("a", "1"))
        .isNotEqualTo(KafkaSourceMessage.ofUtf8("a", "2"))
        .isNotEqualTo(KafkaSourceMessage.ofUtf8("a", "1").at("orders", 0, 0));
    KafkaSinkMessage<byte[], byte[]> sink = KafkaSinkMessage.of(new byte[] {1}, new byte[] {2, 3});
    assertThat(sink).isEqualTo(KafkaSinkMessage.of(new byte[] {1}, new byte[] {2, 3}))
        .hasSameHashCodeAs(KafkaSinkMessage.of(new byte[] {1}, new byte[] {2, 3}))
        .isNotEqualTo(KafkaSinkMessage.of(new byte[] {1}, new byte[] {2, 4}))
        .isNotEqualTo(sink.withTopic("t"));
    assertThat(KafkaSinkMessage.of("k", 1L)).isEqualTo(KafkaSinkMessage.of("k", 1L));
    // the testkit counts items by equals: the same serialized output is the same output
    assertThat(List.of(KafkaSinkMessage.of(new byte[] {1}, new byte[] {2})))
        .containsExactly(KafkaSinkMessage.of(new byte[] {1}, new byte[] {2}));
  }
}
