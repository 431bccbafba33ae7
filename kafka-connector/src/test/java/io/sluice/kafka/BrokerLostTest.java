package io.sluice.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sluice.inputs.SourcePartition;
import io.sluice.testkit.kafka.KafkaBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.Test;

/**
 * Brokers that go away in the middle of a bounded read: the partition fails after its stall
 * timeout instead of waiting forever. Its own broker, since the test stops it.
 */
class BrokerLostTest {
  private static final Duration STALL = Duration.ofSeconds(2);

  /** Awaitility on this thread (a consumer belongs to one thread at a time), bounded well above the stall timeout. */
  private static ConditionFactory poll(String what) {
    return await(what).atMost(Duration.ofSeconds(60)).pollInSameThread().pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(5));
  }

  @Test
  void aBoundedReadWhoseBrokerGoesAwayFailsAfterTheStallTimeoutOrEndsWithAnErrorItem() throws Exception {
    KafkaBroker broker = KafkaBroker.create().start();
    try (broker) {
      broker.createTopic("lost", 1);
      broker.produceStrings("lost", 0, IntStream.range(0, 5).mapToObj(i -> "r" + i).toList());
      String brokers = broker.bootstrapServers();
      KafkaSource.Builder source = KafkaSource.builder(brokers, "lost").stallTimeout(STALL);
      // both partitions open (position 0, end offset 5) while the broker runs; neither has fetched yet
      try (SourcePartition<KafkaSourceMessage<byte[], byte[]>, Long> raising =
               source.raiseOnErrors(true).build().buildPartition("in", "lost-0", null);
           SourcePartition<KafkaResult<byte[], byte[]>, Long> asItems =
               source.raiseOnErrors(false).build().withErrorItems().buildPartition("in", "lost-0", null)) {
        broker.close();

        assertThatThrownBy(() -> poll("the stalled read to fail").until(() -> !raising.nextBatch().isEmpty()))
            .isInstanceOf(KafkaConnectorException.class)
            .hasMessage("step 'in': reading lost-0 made no progress for 2000 ms at offset 0, below the end offset 5 it"
                + " had when it opened; are brokers '" + brokers + "' still reachable? (KafkaSource.stallTimeout)");

        List<KafkaResult<byte[], byte[]>> items = new ArrayList<>();
        poll("an error item").until(() -> {
          items.addAll(asItems.nextBatch());
          return !items.isEmpty();
        });
        assertThat(items).singleElement().isInstanceOfSatisfying(KafkaError.class, e -> {
          assertThat(e.offset()).isZero();
          assertThat(e.error()).hasMessageContaining("made no progress for 2000 ms at offset 0");
        });
        assertThat(asItems.nextBatch()).as("the partition ended after its error item").isNull();
      }
    }
  }
}
