package io.sluice.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/** Shared client plumbing: config merging, partition listing with bounded waits and clear errors. */
final class KafkaClients {
  private KafkaClients() {}

  static String bootstrap(List<String> brokers) {
    if (brokers == null || brokers.isEmpty()) {
      throw new IllegalArgumentException("at least one Kafka broker (host:port) is needed");
    }
    return String.join(",", brokers);
  }

  static Properties merge(Map<String, Object> defaults, Map<String, ?> user, Map<String, Object> forced) {
    Properties p = new Properties();
    p.putAll(defaults);
    user.forEach((k, v) -> p.put(k, v));
    p.putAll(forced);
    return p;
  }

  /**
   * The partitions of {@code topics}, as {@code topic -> partition count}, asked of the brokers
   * with an Admin client that gives up after {@code timeout}.
   *
   * @throws KafkaConnectorException naming the unknown topics, or the brokers that did not answer
   */
  static Map<String, Integer> describeTopics(String bootstrap, List<String> topics, Map<String, ?> userConfig,
      Duration timeout) {
    int ms = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
    Properties p = new Properties();
    // security settings and the like apply to the Admin client as well
    userConfig.forEach((k, v) -> {
      if (AdminClientConfig.configNames().contains(k)) {
        p.put(k, v);
      }
    });
    p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, ms);
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, ms);
    p.put(AdminClientConfig.CLIENT_ID_CONFIG, "sluice-list-partitions");
    Admin admin;
    try {
      admin = Admin.create(p);
    } catch (KafkaException e) {
      throw new KafkaConnectorException("cannot connect to Kafka brokers '" + bootstrap + "': " + rootMessage(e), e);
    }
    try {
      Map<String, KafkaFuture<TopicDescription>> futures = admin.describeTopics(topics).topicNameValues();
      Map<String, Integer> out = new TreeMap<>();
      List<String> unknown = new ArrayList<>();
      Throwable unknownCause = null;
      long deadline = System.nanoTime() + timeout.toNanos() + TimeUnit.SECONDS.toNanos(1);
      for (String t : topics) {
        try {
          long left = Math.max(1, deadline - System.nanoTime());
          out.put(t, futures.get(t).get(left, TimeUnit.NANOSECONDS).partitions().size());
        } catch (ExecutionException e) {
          if (e.getCause() instanceof UnknownTopicOrPartitionException) {
            unknown.add(t);
            unknownCause = e.getCause();
          } else if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
            throw unreachable(bootstrap, topics, timeout, e.getCause());
          } else {
            throw new KafkaConnectorException("describing Kafka topic '" + t + "' on brokers '" + bootstrap
                + "' failed: " + rootMessage(e.getCause()), e.getCause());
          }
        } catch (java.util.concurrent.TimeoutException e) {
          throw unreachable(bootstrap, topics, timeout, e);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new KafkaConnectorException("interrupted while listing partitions of " + topics, e);
        }
      }
      if (!unknown.isEmpty()) {
        throw new KafkaConnectorException((unknown.size() == 1 ? "Kafka topic '" + unknown.get(0) + "' does"
            : "Kafka topics " + unknown + " do") + " not exist on brokers '" + bootstrap + "'", unknownCause);
      }
      return out;
    } finally {
      admin.close(Duration.ofSeconds(1));
    }
  }

  private static KafkaConnectorException unreachable(String bootstrap, List<String> topics, Duration timeout, Throwable e) {
    return new KafkaConnectorException("Kafka brokers '" + bootstrap + "' did not answer within " + timeout.toMillis()
        + " ms (listing partitions of " + topics + "); are they running and reachable?", e);
  }

  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + t + ")";
  }

  /** {@code topic-partition} names back to their parts. */
  static org.apache.kafka.common.TopicPartition parsePartition(String name) {
    int dash = name.lastIndexOf('-');
    if (dash <= 0 || dash == name.length() - 1) {
      throw new IllegalArgumentException("'" + name + "' is not a Kafka partition name (topic-partition)");
    }
    try {
      return new org.apache.kafka.common.TopicPartition(name.substring(0, dash), Integer.parseInt(name.substring(dash + 1)));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + name + "' is not a Kafka partition name (topic-partition)", e);
    }
  }
}
