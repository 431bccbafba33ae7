package io.sluice.testkit.kafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * A single-node KRaft broker (combined broker + controller) in this JVM, from the Kafka server's
 * main artifacts: format the storage, then start {@link KafkaRaftServer}. Each instance has its
 * own temporary directory, deleted on stop.
 */
final class EmbeddedBroker implements KafkaBroker.BrokerBackend {
  private static final String[] QUIET_LOGGERS = {"kafka", "org.apache.kafka", "state.change.logger",
      "org.apache.kafka.clients", "org.apache.kafka.common.utils.AppInfoParser"};

  private Path dir;
  private KafkaRaftServer server;
  private int brokerPort;

  static {
    // keep the broker (and clients) quiet unless the user configured these loggers (slf4j-simple)
    for (String logger : QUIET_LOGGERS) {
      String key = "org.slf4j.simpleLogger.log." + logger;
      if (System.getProperty(key) == null) {
        System.setProperty(key, "warn");
      }
    }
  }

  @Override
  public void start() {
    // the ports are picked free but not held: if another process takes one meanwhile, try again
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
      brokerPort = freePort();
      int controllerPort = freePort();
      Properties p = new Properties();
      p.put("process.roles", "broker,controller");
      p.put("node.id", "1");
      p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
      p.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
      p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
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
    } catch (IOException e) {
      stop();
      throw new UncheckedIOException("could not start the embedded Kafka broker", e);
    } catch (RuntimeException e) {
      stop();
      throw e;
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
    return "embedded KRaft broker at " + bootstrapServers() + " in " + dir;
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
      KafkaBroker.deleteTree(dir);
      dir = null;
    }
  }
}
