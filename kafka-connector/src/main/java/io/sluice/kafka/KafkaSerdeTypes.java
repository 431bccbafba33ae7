package io.sluice.kafka;

import io.sluice.serde.SerdeTypes;
import java.util.List;

/**
 * The Kafka connector's item types for {@link SerdeTypes}: messages, headers and error records
 * cross processes without registration. Found by {@link java.util.ServiceLoader}; not for direct use.
 * A {@link KafkaError}'s {@code error} crosses when it is one of these, a JDK exception, or a
 * registered type.
 */
public final class KafkaSerdeTypes implements SerdeTypes {
  @Override
  public List<Class<?>> types() {
    return List.of(
        KafkaSourceMessage.class,
        KafkaSinkMessage.class,
        KafkaHeader.class,
        KafkaError.class,
        KafkaConnectorException.class,
        org.apache.kafka.common.errors.SerializationException.class);
  }
}
