package io.sluice.testkit.kafka;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * A KRaft broker in a Docker container (Testcontainers' {@code KafkaContainer}), image
 * {@code apache/kafka:<the Kafka version of this build>} unless {@link KafkaBroker#withImage} names
 * another.
 */
final class ContainerBroker implements BrokerBackend {
  private final String image;
  private KafkaContainer container;

  ContainerBroker(String image) {
    this.image = image;
  }

  /**
   * Whether a container engine answers, by Testcontainers' own check: it honours
   * {@code DOCKER_HOST}, {@code ~/.testcontainers.properties} and its strategies for Docker
   * Desktop, Podman and Colima sockets.
   */
  static boolean dockerAvailable() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }

  @Override
  public void start(String kafkaVersion) {
    String name = image != null ? image : "apache/kafka:" + kafkaVersion;
    container = new KafkaContainer(DockerImageName.parse(name))
        .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
        .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0");
    try {
      container.start();
    } catch (RuntimeException e) {
      stop();
      throw e;
    }
  }

  @Override
  public String bootstrapServers() {
    return container.getBootstrapServers();
  }

  @Override
  public String describe() {
    return "Testcontainers broker " + container.getDockerImageName() + " at " + bootstrapServers();
  }

  @Override
  public void stop() {
    if (container != null) {
      container.stop();
      container = null;
    }
  }
}
