package io.sluice.testkit.kafka.embedded;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import io.sluice.testkit.kafka.BrokerBackend;
import kafka.server.BrokerServer;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.utils.Time;

/**
 * A single-node KRaft broker (combined broker + controller) in this JVM, from the Kafka server's
 * main artifacts: format the storage, then start {@link KafkaRaftServer}. Each instance has its
 * own temporary directory, deleted on stop. Found by {@code io.sluice.testkit.kafka.KafkaBroker}
 * through {@link java.util.ServiceLoader}; tests use {@code KafkaBroker}, not this class.
 *
 * <p>The broker's listener binds an ephemeral port itself (port 0), so no other process can take
 * it between choosing and binding. The controller's port must be known before it starts (it is
 * part of the quorum's configuration), so it is picked free and, if taken meanwhile, the start is
 * retried. The broker logs through SLF4J like any Kafka server: configure the {@code kafka} and
 * {@code org.apache.kafka} loggers in the test's logging configuration to quiet it.
 */
public final class EmbeddedKafkaBroker implements BrokerBackend {
  private static final ListenerName PLAINTEXT = ListenerName.normalised("PLAINTEXT");

  private Path dir;
  private KafkaRaftServer server;
  private int brokerPort;
  private String version;

  /** For {@link java.util.ServiceLoader}. */
  public EmbeddedKafkaBroker() {
  }

  @Override
  public void start(String kafkaVersion) {
    this.version = kafkaVersion;
    String built = serverVersion();
    if (built != null && !built.equals(kafkaVersion)) {
      throw new IllegalStateException("the embedded broker is Kafka " + built + " but sluice-testkit-kafka expects "
          + kafkaVersion + ": align kafka_2.13 and kafka-clients with the testkit's version (or import sluice-bom)");
    }
    // the controller's port is picked free but not held: if another process takes it meanwhile, try again
    for (int attempt = 1; ; attempt++) {
      try {
        startOnce();
        return;
      } catch (RuntimeException e) {
        if (attempt >= 3 || !causedByBind(e)) {
          throw e;
        }
      }
    }
  }

  private static boolean causedByBind(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.net.BindException) {
        return true;
      }
    }
    return false;
  }

  private void startOnce() {
    try {
      dir = Files.createTempDirectory("sluice-kafka-");
      int controllerPort = freePort();
      Properties p = new Properties();
      p.put("process.roles", "broker,controller");
      p.put("node.id", "1");
      p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
      // port 0: the broker binds an ephemeral port and advertises the port it bound
      p.put("listeners", "PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:" + controllerPort);
      p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:0");
      p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
      p.put("controller.listener.names", "CONTROLLER");
      p.put("inter.broker.listener.name", "PLAINTEXT");
      p.put("log.dirs", dir.resolve("data").toString());
      p.put("num.partitions", "1");
      p.put("auto.create.topics.enable", "false");
      p.put("offsets.topic.replication.factor", "1");
      p.put("offsets.topic.num.partitions", "1");
      p.put("transaction.state.log.replication.factor", "1");
      p.put("transaction.state.log.min.isr", "1");
      p.put("share.coordinator.state.topic.replication.factor", "1");
      p.put("share.coordinator.state.topic.min.isr", "1");
      p.put("group.initial.rebalance.delay.ms", "0");
      p.put("num.network.threads", "2");
      p.put("num.io.threads", "2");
      p.put("log.flush.interval.messages", String.valueOf(Long.MAX_VALUE));
      p.put("controlled.shutdown.enable", "false");
      Path config = dir.resolve("server.properties");
      try (OutputStream out = Files.newOutputStream(config)) {
        p.store(out, "sluice embedded test broker");
      }
      ByteArrayOutputStream formatOut = new ByteArrayOutputStream();
      int rc;
      try (PrintStream ps = new PrintStream(formatOut, true, StandardCharsets.UTF_8)) {
        rc = StorageTool.execute(new String[] {"format", "-t", Uuid.randomUuid().toString(), "-c", config.toString()}, ps);
      }
      if (rc != 0) {
        throw new IllegalStateException("formatting the embedded Kafka broker's storage failed (exit " + rc + "): "
            + formatOut.toString(StandardCharsets.UTF_8));
      }
      server = new KafkaRaftServer(KafkaConfig.fromProps(p, false), Time.SYSTEM);
      server.startup();
      brokerPort = boundBrokerPort(server);
    } catch (IOException e) {
      stop();
      throw new UncheckedIOException("could not start the embedded Kafka broker", e);
    } catch (RuntimeException e) {
      stop();
      throw e;
    }
  }

  /**
   * The port the broker's listener bound. {@link KafkaRaftServer} keeps its {@link BrokerServer}
   * private (Kafka's own test kit builds the servers itself instead); read it, and ask the broker.
   */
  private static int boundBrokerPort(KafkaRaftServer server) {
    try {
      Field f = KafkaRaftServer.class.getDeclaredField("broker");
      f.setAccessible(true);
      scala.Option<?> broker = (scala.Option<?>) f.get(server);
      return ((BrokerServer) broker.get()).boundPort(PLAINTEXT);
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException("could not read the embedded broker's port from KafkaRaftServer (Kafka "
          + serverVersion() + "); this testkit was built for Kafka "
          + "with a private field 'broker'", e);
    }
  }

  /**
   * The version in the manifest of the jar holding the Kafka server ({@code kafka_2.13}), or null
   * where there is none (e.g. a repackaged jar).
   *
   * @return e.g. {@code "4.4.0"}, or null
   */
  static String serverVersion() {
    try {
      var source = KafkaRaftServer.class.getProtectionDomain().getCodeSource();
      if (source == null || !source.getLocation().getPath().endsWith(".jar")) {
        return null;
      }
      try (var jar = new java.util.jar.JarFile(Path.of(source.getLocation().toURI()).toFile())) {
        var manifest = jar.getManifest();
        return manifest == null ? null : manifest.getMainAttributes().getValue("Version");
      }
    } catch (IOException | java.net.URISyntaxException | SecurityException e) {
      return null;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }

  @Override
  public String bootstrapServers() {
    return "127.0.0.1:" + brokerPort;
  }

  @Override
  public String describe() {
    return "embedded KRaft broker (Kafka " + version + ") at " + bootstrapServers() + " in " + dir;
  }

  @Override
  public void stop() {
    try {
      if (server != null) {
        server.shutdown();
        server.awaitShutdown();
      }
    } finally {
      server = null;
      deleteTree(dir);
      dir = null;
    }
  }

  private static void deleteTree(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException("could not delete " + dir, e);
    }
  }
}
