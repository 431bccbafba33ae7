package io.sluice.testkit.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class KafkaBrokerTest {
  @RegisterExtension
  static final KafkaBroker broker = KafkaBroker.create();

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
}
