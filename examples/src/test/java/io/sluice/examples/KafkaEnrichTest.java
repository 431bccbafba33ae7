package io.sluice.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.run.RunConfig;
import io.sluice.run.RunResult;
import io.sluice.run.Sluice;
import io.sluice.testkit.kafka.KafkaBroker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class KafkaEnrichTest {
  @RegisterExtension
  static final KafkaBroker broker = KafkaBroker.shared();

  @Test
  void pricesOrdersFromOneTopicIntoAnother() {
    broker.createTopic("orders", 1);
    broker.createTopic("priced-orders", 2);
    broker.produceStrings("orders", 0, List.of("apple,3", "fig,1", "durian,2", "not a line", "kiwi,10", "pear,x"));
    // plenty more, so that redistribute has something to spread
    broker.produceStrings("orders", 0, IntStream.range(1, 101).mapToObj(i -> "pear," + i).toList());

    RunResult result = Sluice.start(
        KafkaEnrich.flow(new String[] {broker.bootstrapServers(), "orders", "priced-orders"}),
        RunConfig.workers(4)).await(Duration.ofSeconds(60));

    var out = broker.readAll("priced-orders");
    assertThat(out).extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
        .contains("apple,3,40,120", "fig,1,120,120", "kiwi,10,35,350", "pear,100,55,5500")
        .hasSize(103);
    assertThat(out).allSatisfy(r -> assertThat(new String(r.value(), StandardCharsets.UTF_8))
        .startsWith(new String(r.key(), StandardCharsets.UTF_8) + ","));
    // one partition is read by one worker; after redistribute all four price orders
    assertThat(IntStream.range(0, 4).filter(w -> result.step("orders").itemsOut(w) > 0).count()).isEqualTo(1);
    assertThat(result.step("price").itemsInPerWorker()).doesNotContain(0L);
    assertThat(result.step("explain").totalIn()).isEqualTo(3);
  }

  @Test
  void saysHowToCallIt() {
    assertThatThrownBy(() -> KafkaEnrich.flow(new String[] {"localhost:9092"}))
        .hasMessageContaining("<brokers> <in-topic> <out-topic>");
  }
}
