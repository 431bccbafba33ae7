package io.sluice.kafka;

/**
 * What a Kafka step can hand on: a {@link KafkaSourceMessage} or a {@link KafkaError}. Only the
 * error-item variants of the source and the deserializers produce this type; {@link KafkaOps}
 * splits it into an "oks" and an "errs" stream.
 *
 * @param <K> key type
 * @param <V> value type
 */
public sealed interface KafkaResult<K, V> permits KafkaSourceMessage, KafkaError {}
