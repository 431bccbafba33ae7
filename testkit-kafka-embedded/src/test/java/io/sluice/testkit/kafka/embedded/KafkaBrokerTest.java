package io.sluice.testkit.kafka.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.testkit.kafka.KafkaBroker;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.LongSerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class KafkaBrokerTest {
  @RegisterExtension
  static final KafkaBroker broker = KafkaBroker.shared();

  @Test
  void createsTopicsProducesAndReadsBack() {
    broker.createTopic("kb-test", 3);
    broker.produceStrings("kb-test", 2, List.of("a", "b", "c"));
    broker.produceStrings("kb-test", 0, List.of("x"));
    assertThat(broker.readValues("kb-test")).containsExactly("x", "a", "b", "c");
    assertThat(broker.endOffsets("kb-test").values()).containsExactlyInAnyOrder(1L, 0L, 3L);
  }

  @Test
  void keyedRecordsKeepTheirKey() {
    broker.createTopic("kb-keyed", 2);
    broker.produceKeyed("kb-keyed", List.of(Map.entry("k", "1"), Map.entry("k", "2")));
    var records = broker.readAll("kb-keyed");
    assertThat(records).hasSize(2);
    assertThat(records.get(0).partition()).isEqualTo(records.get(1).partition());
  }

  @Test
  void readingAnUnknownTopicFailsClearly() {
    assertThatThrownBy(() -> broker.readAll("no-such-topic")).hasMessageContaining("no-such-topic");
  }

  @Test
  void typedRecordsGoInAndComeBackTyped() {
    String topic = broker.createUniqueTopic("typed", 2);
    broker.produce(topic, new StringSerializer(), new LongSerializer(),
        List.of(Map.entry("alice", 3L), Map.entry("bob", 5L), new AbstractMap.SimpleEntry<>(null, 7L)));
    List<ConsumerRecord<String, Long>> got =
        broker.awaitRecords(topic, 3, new StringDeserializer(), new LongDeserializer(), Duration.ofSeconds(20));
    assertThat(got).extracting(ConsumerRecord::key).containsExactlyInAnyOrder("alice", "bob", null);
    assertThat(got).extracting(ConsumerRecord::value).containsExactlyInAnyOrder(3L, 5L, 7L);
  }

  @Test
  void awaitingMoreRecordsThanArriveFailsWithWhatArrived() {
    String topic = broker.createUniqueTopic("short", 1);
    broker.produceStrings(topic, 0, List.of("only"));
    assertThatThrownBy(() -> broker.awaitRecords(topic, 2, new StringDeserializer(), new StringDeserializer(),
        Duration.ofMillis(500)))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("expected at least 2 records")
        .hasMessageContaining("got 1")
        .hasMessageContaining("only");
  }

  @Test
  void uniqueTopicsDoNotCollide() {
    assertThat(broker.createUniqueTopic("same", 1)).isNotEqualTo(broker.createUniqueTopic("same", 1));
  }

  @Test
  void theSharedBrokerIsOneInstanceAndTheEmbeddedOneRunsTheTestkitsKafkaVersion() {
    assertThat(KafkaBroker.shared()).isSameAs(broker);
    assertThat(KafkaBroker.kafkaVersion()).isEqualTo(EmbeddedKafkaBroker.serverVersion()).isNotBlank();
    assertThat(broker.describe()).contains(KafkaBroker.kafkaVersion());
  }

  @Test
  void theBrokerBoundAPortOfItsOwn() {
    String servers = broker.bootstrapServers();
    int port = Integer.parseInt(servers.substring(servers.lastIndexOf(':') + 1));
    assertThat(port).isPositive();
  }

  @Test
  void aBrokerOfItsOwnSetsNoSystemProperty() {
    Properties before = (Properties) System.getProperties().clone();
    try (KafkaBroker own = KafkaBroker.create(KafkaBroker.Mode.EMBEDDED).start()) {
      assertThat(own.bootstrapServers()).isNotEqualTo(broker.bootstrapServers());
    }
    assertThat(System.getProperties()).isEqualTo(before);
  }

  @Test
  void aNullModeIsRejected() {
    assertThatThrownBy(() -> KafkaBroker.create(null)).isInstanceOf(NullPointerException.class);
  }
}
