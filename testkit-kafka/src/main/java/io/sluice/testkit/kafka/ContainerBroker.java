package io.sluice.testkit.kafka;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * A KRaft broker in a Docker container (Testcontainers' {@code KafkaContainer}). The image is
 * {@code apache/kafka} unless the system property {@code sluice.kafka.image} names another.
 */
final class ContainerBroker implements KafkaBroker.BrokerBackend {
  static final String DEFAULT_IMAGE = "apache/kafka:4.1.0";

  private KafkaContainer container;

  static boolean dockerAvailable() {
    if (!maybeDocker()) {
      return false;
    }
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }

  /**
   * A cheap first look, so machines without any Docker engine skip Testcontainers' probing (and its
   * error log): a Docker host configured, or a Docker socket present.
   */
  private static boolean maybeDocker() {
    if (System.getenv("DOCKER_HOST") != null || System.getProperty("docker.host") != null) {
      return true;
    }
    java.nio.file.Path home = java.nio.file.Path.of(System.getProperty("user.home", "."));
    return java.nio.file.Files.exists(java.nio.file.Path.of("/var/run/docker.sock"))
        || java.nio.file.Files.exists(home.resolve(".docker/run/docker.sock"))
        || java.nio.file.Files.exists(home.resolve(".testcontainers.properties"))
        || System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("win");
  }

  @Override
  public void start() {
    String image = System.getProperty("sluice.kafka.image", DEFAULT_IMAGE);
    container = new KafkaContainer(DockerImageName.parse(image))
        .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
        .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0");
    container.start();
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
