/**
 * Kafka for Sluice dataflows: {@link io.sluice.kafka.KafkaSource} (one Sluice partition per Kafka
 * partition, resume state = next offset), {@link io.sluice.kafka.KafkaSink} (a producer per
 * worker), {@link io.sluice.kafka.KafkaPartitionedSink} (a producer per Kafka partition, keys stay
 * on their partition), the message types, and {@link io.sluice.kafka.KafkaOps} for
 * (de)serialization with errors as a separate stream.
 */
package io.sluice.kafka;
