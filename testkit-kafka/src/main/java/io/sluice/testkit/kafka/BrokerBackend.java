package io.sluice.testkit.kafka;

/**
 * One way of running a broker, for {@link KafkaBroker}: the Testcontainers container (in this
 * artifact) or the embedded KRaft broker ({@code sluice-testkit-kafka-embedded}, found with
 * {@link java.util.ServiceLoader}). A service-provider interface: tests use {@link KafkaBroker},
 * not this. One instance runs at most one broker.
 */
public interface BrokerBackend {
  /**
   * Starts the broker; returns once it listens. Each backend picks its ports itself (the embedded
   * broker binds an ephemeral port; the container maps one).
   *
   * @param kafkaVersion the Kafka version to run (the one {@code kafka-clients} and the embedded
   *     broker are built with), e.g. {@code "4.4.0"}
   * @throws RuntimeException if the broker could not start; the backend has released what it took
   */
  void start(String kafkaVersion);

  /**
   * Where clients connect, valid after {@link #start(String)}.
   *
   * @return {@code host:port} for {@code bootstrap.servers}
   */
  String bootstrapServers();

  /**
   * For messages.
   *
   * @return what runs the broker and where, e.g. {@code "embedded KRaft broker 4.4.0 at 127.0.0.1:40123"}
   */
  String describe();

  /** Stops the broker and deletes its files; idempotent. */
  void stop();
}
