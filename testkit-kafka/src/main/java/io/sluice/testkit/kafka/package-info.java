/** A real Kafka broker for tests: {@link io.sluice.testkit.kafka.KafkaBroker}. */
package io.sluice.testkit.kafka;
