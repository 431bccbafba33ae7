package io.sluice.kafka;

import io.sluice.inputs.SourcePartition;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one Kafka partition with its own assigned consumer. Items are {@link KafkaSourceMessage}s,
 * and {@link KafkaError}s when errors flow as items. Position and end are tracked here so that
 * {@link #snapshot()} is the offset of the next record. With a {@code group.id}, offsets are
 * committed to the group only from {@link #epochComplete} (auto-commit is forced off).
 */
final class KafkaPartitionReader implements SourcePartition<Object, Long>, io.sluice.inputs.InstrumentedPartition {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaPartitionReader.class);
  private static final Duration ERROR_BACKOFF = Duration.ofMillis(100);

  private final String stepId;
  private final TopicPartition tp;
  private final String bootstrap;
  private final boolean raise;
  private final KafkaConsumer<byte[], byte[]> consumer;
  /** Offset to stop at (exclusive), or -1 to keep reading. */
  private final long end;
  /** How long closing may take: a group's commits still on their way need it, a consumer without one does not. */
  private final Duration closeTimeout;
  /** The consumer group offsets are committed to, or null. */
  private final String group;
  /** The consumer's settings, for a committer after the consumer closed. */
  private final java.util.Properties consumerProps;
  private final Duration metadataTimeout;
  /** The highest offset committed (or sent to be committed) to the group; -1 for none. */
  private long committed = -1;
  private boolean closed;
  private long position;
  private Instant awake;
  /** A read failed in stop-at-end mode with errors as items: the partition ends instead of retrying forever. */
  private boolean endAfterError;
  /** Whether the partition's end was logged. */
  private boolean endLogged;
  /** How long a poll may wait right after a non-empty one, when the next fetch is already on its way. */
  private final Duration pollWait;
  /** Whether the last poll returned records. */
  private boolean streaming;
  private final long stallTimeoutNanos;
  /** When the polls in a row that made no progress began (tailing: since the last look); -1 while progressing. */
  private long stalledSinceNanos = -1;
  /** Tailing: a stall was warned of and progress has not resumed since. */
  private boolean tailStallWarned;

  KafkaPartitionReader(KafkaSource src, String stepId, String partition, Long resumeState, boolean raise) {
    this.stepId = stepId;
    this.tp = KafkaClients.parsePartition(partition);
    this.bootstrap = KafkaClients.bootstrap(src.brokers);
    this.raise = raise;
    this.pollWait = src.pollWait;
    this.stallTimeoutNanos = src.stallTimeout.toNanos();
    int timeoutMs = (int) Math.min(Integer.MAX_VALUE, src.metadataTimeout.toMillis());
    Map<String, Object> defaults = new HashMap<>();
    defaults.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    defaults.put(ConsumerConfig.CLIENT_ID_CONFIG, "sluice-" + stepId + "-" + partition);
    defaults.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs);
    defaults.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMs);
    // The consumer reads its socket only inside poll(), and this reader polls without waiting: with
    // Kafka's 64 KiB default the broker stalls mid-response between two polls. Let the OS size it.
    defaults.put(ConsumerConfig.RECEIVE_BUFFER_CONFIG, -1);
    Object groupId = src.consumerConfig.get(ConsumerConfig.GROUP_ID_CONFIG);
    this.group = groupId == null ? null : groupId.toString();
    this.metadataTimeout = src.metadataTimeout;
    // without a group nothing needs saying on close; waiting for the fetch session's goodbye (up to
    // fetch.max.wait.ms per partition) would only hold the worker. With one, close waits (bounded)
    // for commits of complete epochs still on their way.
    this.closeTimeout = group != null ? src.metadataTimeout : Duration.ZERO;
    Map<String, Object> forced = new HashMap<>();
    forced.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    forced.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    forced.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    forced.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, src.batchSize);
    // offsets are committed only for complete epochs (epochComplete), never by the client on its own
    forced.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    this.consumerProps = KafkaClients.merge(defaults, src.consumerConfig, forced);
    try {
      this.consumer = new KafkaConsumer<>(consumerProps);
    } catch (KafkaException e) {
      throw new KafkaConnectorException("cannot create a Kafka consumer for " + tp + " on brokers '" + bootstrap + "': "
          + KafkaClients.rootMessage(e), e);
    }
    String from;
    try {
      consumer.assign(List.of(tp));
      if (resumeState != null) {
        if (resumeState < 0) {
          throw new IllegalArgumentException("resume state of " + tp + " is offset " + resumeState
              + ": an offset is never negative (is the snapshot from another source?)");
        }
        consumer.seek(tp, resumeState);
        from = "the resume state from the snapshot";
      } else {
        switch (src.startingOffset) {
          case BEGINNING -> {
            consumer.seekToBeginning(List.of(tp));
            from = "the beginning";
          }
          case END -> {
            consumer.seekToEnd(List.of(tp));
            from = "the end";
          }
          case STORED -> {
            OffsetAndMetadata stored = consumer.committed(Set.of(tp), src.metadataTimeout).get(tp);
            if (stored != null) {
              consumer.seek(tp, stored.offset());
              committed = stored.offset();
              from = "group '" + group + "' committed offset " + stored.offset();
            } else {
              from = "auto.offset.reset (group '" + group + "' has no committed offset)";
            }
          }
          default -> throw new IllegalStateException("unknown starting offset " + src.startingOffset);
        }
      }
      this.position = consumer.position(tp, src.metadataTimeout);
      this.end = src.tail ? -1 : consumer.endOffsets(List.of(tp), src.metadataTimeout).get(tp);
    } catch (IllegalArgumentException e) {
      consumer.close(CloseOptions.timeout(Duration.ZERO));
      throw new KafkaConnectorException("step '" + stepId + "': " + e.getMessage(), e);
    } catch (RuntimeException e) {
      consumer.close(CloseOptions.timeout(Duration.ZERO));
      throw new KafkaConnectorException("cannot open Kafka partition " + tp + " on brokers '" + bootstrap
          + "' within " + src.metadataTimeout.toMillis() + " ms: " + KafkaClients.rootMessage(e), e);
    }
    LOG.info("step '{}': assigned Kafka partition {} on '{}'; reading from offset {} ({}){}{}", stepId, tp, bootstrap,
        position, from, end >= 0 ? " up to end offset " + end : ", tailing",
        group != null ? "; offsets of complete epochs are committed to group '" + group + "'" : "");
  }

  @Override
  public List<Object> nextBatch() {
    if (endAfterError || (end >= 0 && position >= end)) {
      if (!endLogged) {
        endLogged = true;
        LOG.info("step '{}': Kafka partition {} {}; the partition ends", stepId, tp,
            endAfterError ? "stopped at offset " + position + " after a failed read" : "read up to its end offset " + end);
      }
      return null;
    }
    long before = position;
    ConsumerRecords<byte[], byte[]> records;
    try {
      records = consumer.poll(Duration.ZERO);
      if (records.isEmpty() && streaming && !pollWait.isZero()) {
        // the consumer sent the next fetch when it handed out the last buffered records: its
        // answer is usually a moment away, and waiting on the socket beats idling past it
        records = consumer.poll(pollWait);
      }
      streaming = !records.isEmpty();
    } catch (RecordDeserializationException e) {
      // a record the client could not parse: report it and step over it
      consumer.seek(tp, e.offset() + 1);
      position = e.offset() + 1;
      return failed(e, e.offset(), "reading record " + tp + "@" + e.offset());
    } catch (KafkaException e) {
      return failed(e, position, "reading " + tp + " at offset " + position);
    }
    awake = null;
    List<ConsumerRecord<byte[], byte[]>> polled = records.records(tp);
    List<Object> batch = new ArrayList<>(polled.size());
    for (ConsumerRecord<byte[], byte[]> r : polled) {
      if (end >= 0 && r.offset() >= end) {
        position = end;
        return batch;
      }
      batch.add(toMessage(r));
    }
    try {
      position = consumer.position(tp, Duration.ZERO);
    } catch (org.apache.kafka.common.errors.TimeoutException e) {
      if (!polled.isEmpty()) {
        position = polled.get(polled.size() - 1).offset() + 1;
      }
    }
    if (batch.isEmpty() && position == before) {
      long now = System.nanoTime();
      if (stalledSinceNanos < 0) {
        stalledSinceNanos = now;
      } else if (now - stalledSinceNanos > stallTimeoutNanos) {
        if (end >= 0) {
          return stalled();
        }
        tailStalled(now);
      }
    } else {
      if (tailStallWarned) {
        tailStallWarned = false;
        LOG.info("step '{}': reading {} makes progress again, at offset {}", stepId, tp, position);
      }
      stalledSinceNanos = -1;
    }
    return batch;
  }

  /**
   * A tailing read made no progress for the stall timeout: usual for a topic nobody writes to, a
   * stall if the consumer knows of records it has not read (its lag, from the brokers' last answer).
   * Warns once per stall, then looks again one stall timeout later; a tailing partition waits.
   */
  private void tailStalled(long now) {
    stalledSinceNanos = now; // look again one stall timeout later, not at every idle poll
    if (tailStallWarned) {
      return;
    }
    java.util.OptionalLong lag = consumer.currentLag(tp);
    if (lag.isPresent() && lag.getAsLong() > 0) {
      tailStallWarned = true;
      LOG.warn("step '{}': reading {} (tailing) made no progress for {} ms at offset {} while the brokers last reported {}"
          + " more records; are brokers '{}' still reachable? Waiting for them (KafkaSource.stallTimeout)", stepId, tp,
          stallTimeoutNanos / 1_000_000, position, lag.getAsLong(), bootstrap);
    }
  }

  /** A bounded read that stopped progressing below its end offset: a failed read, not a wait forever. */
  private List<Object> stalled() {
    KafkaConnectorException e = new KafkaConnectorException("step '" + stepId + "': reading " + tp + " made no progress"
        + " for " + stallTimeoutNanos / 1_000_000 + " ms at offset " + position + ", below the end offset " + end
        + " it had when it opened; are brokers '" + bootstrap + "' still reachable? (KafkaSource.stallTimeout)");
    LOG.warn("{}{}", e.getMessage(), raise ? "" : "; ending the partition with a KafkaError item");
    if (raise) {
      throw e;
    }
    endAfterError = true;
    return List.of(new KafkaError<byte[], byte[]>(e, null, tp.topic(), tp.partition(), position));
  }

  private List<Object> failed(KafkaException e, long offset, String what) {
    String msg = "step '" + stepId + "': " + what + " from brokers '" + bootstrap + "' failed: "
        + KafkaClients.rootMessage(e);
    if (!raise) {
      LOG.warn("{}; passed on as a KafkaError item", msg);
    }
    if (raise) {
      throw new KafkaConnectorException(msg, e);
    }
    if (end >= 0 && !(e instanceof RecordDeserializationException)) {
      // a bounded read must end: a failure that is not about one record would likely repeat forever
      endAfterError = true;
    }
    awake = io.sluice.time.RunClock.now().plus(ERROR_BACKOFF);
    return List.of(new KafkaError<byte[], byte[]>(new KafkaConnectorException(msg, e), null, tp.topic(), tp.partition(),
        offset));
  }

  static KafkaSourceMessage<byte[], byte[]> toMessage(ConsumerRecord<byte[], byte[]> r) {
    List<KafkaHeader> headers;
    Header[] hs = r.headers().toArray();
    if (hs.length == 0) {
      headers = List.of();
    } else {
      headers = new ArrayList<>(hs.length);
      for (Header h : hs) {
        headers.add(new KafkaHeader(h.key(), h.value()));
      }
    }
    return new KafkaSourceMessage<>(r.key(), r.value(), r.topic(), r.partition(), r.offset(), r.timestamp(), headers);
  }

  @Override
  public Instant nextAwake() {
    return awake;
  }

  /**
   * The partition's consumer, whose own metrics (records lag, fetch rates) the run's observer may
   * bind: {@code sluice-metrics} serves them with Micrometer's {@code KafkaClientMetrics}.
   */
  @Override
  public Object metricsClient() {
    return consumer;
  }

  /** The offset of the next record: the partition resumes right after the last record returned. */
  @Override
  public Long snapshot() {
    return position;
  }

  /**
   * {@code offset} (a snapshot of this partition) belongs to a complete epoch: every record before
   * it has been processed and its output is durable, so commit it to the group, if there is one.
   * While the consumer is open the commit is asynchronous (it completes during later polls or,
   * bounded by the metadata timeout, on close); after the partition closed (the runtime completes
   * the last epoch after the partition ended) a short-lived consumer commits it synchronously. A
   * failed commit is logged, not raised: the offset is also in the snapshot, and the next complete
   * epoch commits a later one.
   */
  @Override
  public void epochComplete(Long offset) {
    if (group == null || offset == null || offset <= committed) {
      return;
    }
    committed = offset;
    Map<TopicPartition, OffsetAndMetadata> commit = Map.of(tp, new OffsetAndMetadata(offset));
    if (!closed) {
      consumer.commitAsync(commit, (offsets, e) -> {
        if (e != null) {
          if (committed == offset) {
            committed = -1; // the next complete epoch commits again, even at the same offset
          }
          LOG.warn("step '{}': committing offset {} of {} to group '{}' failed (the snapshot keeps it; the next complete"
              + " epoch commits again): {}", stepId, offset, tp, group, KafkaClients.rootMessage(e));
        } else {
          LOG.debug("step '{}': committed offset {} of {} to group '{}'", stepId, offset, tp, group);
        }
      });
      return;
    }
    boolean interrupted = Thread.interrupted();
    try (KafkaConsumer<byte[], byte[]> committer = new KafkaConsumer<>(consumerProps)) {
      committer.assign(List.of(tp));
      committer.commitSync(commit, metadataTimeout);
      LOG.debug("step '{}': committed offset {} of {} to group '{}' after the partition closed", stepId, offset, tp,
          group);
    } catch (KafkaException e) {
      committed = -1;
      LOG.warn("step '{}': committing offset {} of {} to group '{}' after the partition closed failed: {}", stepId,
          offset, tp, group, KafkaClients.rootMessage(e));
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Closes the consumer without committing anything: only {@link #epochComplete} commits. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    // a stopping run interrupts its workers; let the consumer close cleanly all the same
    boolean interrupted = Thread.interrupted();
    try {
      consumer.close(CloseOptions.timeout(closeTimeout));
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
