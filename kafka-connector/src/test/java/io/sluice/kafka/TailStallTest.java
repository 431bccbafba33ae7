package io.sluice.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.inputs.SourcePartition;
import io.sluice.testkit.kafka.KafkaBroker;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A tailing partition whose brokers go away while it has records left to read waits, and says so
 * once its stall timeout has passed. Its own broker, since the test stops it.
 */
class TailStallTest {
  private static final Duration STALL = Duration.ofSeconds(2);
  private static final Pattern WARNING = Pattern.compile("step 'in': reading stall-0 \\(tailing\\) made no progress for"
      + " 2000 ms at offset (\\d+) while the brokers last reported (\\d+) more records; are brokers '([^']+)' still"
      + " reachable\\? Waiting for them \\(KafkaSource.stallTimeout\\)");

  @Test
  void aTailingReadWithRecordsLeftWarnsOnceItStallsAndKeepsWaiting() throws Exception {
    KafkaBroker broker = KafkaBroker.create().start();
    try (broker) {
      broker.createTopic("stall", 1);
      for (int i = 0; i < 5; i++) {
        broker.produceStrings("stall", 0, List.of("r" + i)); // one record batch each
      }
      String brokers = broker.bootstrapServers();
      // one record batch per fetch: after the first, the consumer knows of records it has not fetched
      KafkaSource source = KafkaSource.builder(brokers, "stall").tail(true).batchSize(1).stallTimeout(STALL)
          .consumerConfig("max.partition.fetch.bytes", 1).consumerConfig("fetch.max.bytes", 1).build();
      try (SourcePartition<KafkaSourceMessage<byte[], byte[]>, Long> p = source.buildPartition("in", "stall-0", null)) {
        List<KafkaSourceMessage<byte[], byte[]>> read = new ArrayList<>();
        poll("the first record").until(() -> {
          read.addAll(p.nextBatch());
          return !read.isEmpty();
        });
        broker.close();

        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream before = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
          poll("the stall warning").until(() -> {
            List<KafkaSourceMessage<byte[], byte[]>> batch = p.nextBatch();
            assertThat(batch).as("a tailing partition never ends").isNotNull();
            read.addAll(batch);
            return WARNING.matcher(err.toString(StandardCharsets.UTF_8)).find();
          });
          // a while longer: it keeps waiting, without failing and without saying it again
          poll("still waiting").during(STALL.multipliedBy(2)).until(() -> p.nextBatch().isEmpty());
        } finally {
          System.setErr(before);
        }
        String logged = err.toString(StandardCharsets.UTF_8);
        Matcher m = WARNING.matcher(logged);
        assertThat(m.find()).isTrue();
        long offset = Long.parseLong(m.group(1));
        assertThat(offset).as("the offset it stalled at").isEqualTo(read.size()).isBetween(1L, 4L);
        assertThat(Long.parseLong(m.group(2))).as("records left").isEqualTo(5 - offset);
        assertThat(m.group(3)).isEqualTo(brokers);
        assertThat(m.find()).as("warned once").isFalse();
      }
    }
  }

  /** Awaitility on this thread (a consumer belongs to one thread at a time), bounded well above the stall timeout. */
  private static org.awaitility.core.ConditionFactory poll(String what) {
    return await(what).atMost(Duration.ofSeconds(60)).pollInSameThread().pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(5));
  }
}
