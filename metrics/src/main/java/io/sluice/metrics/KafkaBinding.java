package io.sluice.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;

/**
 * Binds a Kafka client's own metrics with Micrometer's {@link KafkaClientMetrics}. Kept apart from
 * {@link SluiceMetrics} so that kafka-clients (an optional dependency) is loaded only when present.
 */
final class KafkaBinding {
  private KafkaBinding() {}

  /**
   * Binds {@code client}'s metrics if it is a Kafka consumer or producer; {@code refresher} looks
   * for metrics that appear later (a partition's lag, after its first fetch) every {@code refresh}.
   *
   * @return what removes the meters again, or null for a client that is not Kafka's
   */
  static AutoCloseable bind(Object client, Tags tags, MeterRegistry registry, ScheduledExecutorService refresher,
      Duration refresh) {
    KafkaClientMetrics m;
    if (client instanceof Consumer<?, ?> c) {
      m = new KafkaClientMetrics(c, tags, refresher, refresh);
    } else if (client instanceof Producer<?, ?> p) {
      m = new KafkaClientMetrics(p, tags, refresher, refresh);
    } else {
      return null;
    }
    m.bindTo(registry);
    return m;
  }
}
