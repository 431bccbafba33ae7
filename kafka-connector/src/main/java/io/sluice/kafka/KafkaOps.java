package io.sluice.kafka;

import io.sluice.dataflow.Branched;
import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.ItemFailedException;
import io.sluice.dataflow.StepError;
import io.sluice.dataflow.Stream;
import io.sluice.dataflow.Tried;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Dataflow steps around Kafka: reading with errors as a separate stream, and turning keys and
 * values into and from bytes with Kafka {@link Serializer}s and {@link Deserializer}s. The
 * (de)serializers are shared by all workers, so they must be thread-safe (Kafka's built-in ones
 * are). Each helper adds steps whose ids start with the given id.
 */
public final class KafkaOps {
  private KafkaOps() {}

  /**
   * Reads {@code source} and splits what it reads into records and errors. With the source's
   * {@code raiseOnErrors(true)} (default) read failures still stop the run and {@code errs} stays
   * empty; with {@code raiseOnErrors(false)} they arrive in {@code errs}. Adds steps {@code id}
   * (the input) and {@code id + ".split"}.
   */
  public static KafkaSplit<byte[], byte[]> input(Dataflow flow, String id, KafkaSource source) {
    Objects.requireNonNull(source, "source");
    return split(id + ".split", flow.input(id, source.withErrorItems()));
  }

  /**
   * Deserializes keys and values; a record that fails goes to {@code errs} as a {@link KafkaError}
   * carrying the raw record, and the run goes on. Built on {@link #tryDeserialize} (the engine's
   * error streams), whose {@link StepError}s it turns into {@link KafkaError}s. Adds steps
   * {@code id}, {@code id + ".route"}, {@code id + ".errors"} and {@code id + ".split"}.
   */
  public static <K, V> KafkaSplit<K, V> deserialize(String id, Stream<KafkaSourceMessage<byte[], byte[]>> up,
      Deserializer<K> keyDeserializer, Deserializer<V> valueDeserializer) {
    Tried<KafkaSourceMessage<K, V>, KafkaSourceMessage<byte[], byte[]>> tried =
        tryDeserialize(id, up, keyDeserializer, valueDeserializer);
    Stream<KafkaError<byte[], byte[]>> errs = tried.errors().map(id + ".split", e -> KafkaError.of(e.error(), e.item()));
    return new KafkaSplit<>(tried.out(), errs);
  }

  /**
   * Deserializes keys and values with the engine's error policy ({@link Stream#tryMap}): a record
   * that fails goes to {@link Tried#errors()} as a {@link StepError} whose item is the raw record
   * and whose error is a {@link KafkaConnectorException} naming the record and the deserializer,
   * exactly like an item any other step's code threw on, so one dead-letter path serves both.
   * Adds steps {@code id}, {@code id + ".route"} and {@code id + ".errors"}.
   */
  public static <K, V> Tried<KafkaSourceMessage<K, V>, KafkaSourceMessage<byte[], byte[]>> tryDeserialize(String id,
      Stream<KafkaSourceMessage<byte[], byte[]>> up, Deserializer<K> keyDeserializer, Deserializer<V> valueDeserializer) {
    Objects.requireNonNull(keyDeserializer, "keyDeserializer");
    Objects.requireNonNull(valueDeserializer, "valueDeserializer");
    return up.tryMap(id, m -> deserializeOne(id, m, keyDeserializer, valueDeserializer));
  }

  /**
   * Deserializes keys and values; a record that fails stops the run with a
   * {@code StepFailedException} for step {@code id} whose cause names the record's topic,
   * partition and offset and the deserializer.
   */
  public static <K, V> Stream<KafkaSourceMessage<K, V>> deserializeOrRaise(String id,
      Stream<KafkaSourceMessage<byte[], byte[]>> up, Deserializer<K> keyDeserializer, Deserializer<V> valueDeserializer) {
    Objects.requireNonNull(keyDeserializer, "keyDeserializer");
    Objects.requireNonNull(valueDeserializer, "valueDeserializer");
    return up.flatMapBatch(id, batch -> {
      List<KafkaSourceMessage<K, V>> out = new ArrayList<>(batch.size());
      for (KafkaSourceMessage<byte[], byte[]> m : batch) {
        try {
          out.add(deserializeOne(id, m, keyDeserializer, valueDeserializer));
        } catch (KafkaConnectorException e) {
          throw new ItemFailedException(m, e);
        }
      }
      return out;
    });
  }

  private static <K, V> KafkaSourceMessage<K, V> deserializeOne(String stepId, KafkaSourceMessage<byte[], byte[]> m,
      Deserializer<K> kd, Deserializer<V> vd) {
    K key;
    try {
      key = kd.deserialize(m.topic(), m.key());
    } catch (RuntimeException e) {
      throw new KafkaConnectorException("cannot deserialize the key of record " + m.position() + " with "
          + name("key deserializer", kd, stepId) + ": " + e.getMessage(), e);
    }
    V value;
    try {
      value = vd.deserialize(m.topic(), m.value());
    } catch (RuntimeException e) {
      throw new KafkaConnectorException("cannot deserialize the value of record " + m.position() + " with "
          + name("value deserializer", vd, stepId) + ": " + e.getMessage(), e);
    }
    return new KafkaSourceMessage<>(key, value, m.topic(), m.partition(), m.offset(), m.timestamp(), m.headers());
  }

  /**
   * Serializes keys and values for {@link KafkaSink}; a failure stops the run naming the step and
   * the message. The topic passed to the serializers is the message's, else {@code topicHint}.
   */
  public static <K, V> Stream<KafkaSinkMessage<byte[], byte[]>> serialize(String id, Stream<KafkaSinkMessage<K, V>> up,
      String topicHint, Serializer<K> keySerializer, Serializer<V> valueSerializer) {
    Objects.requireNonNull(keySerializer, "keySerializer");
    Objects.requireNonNull(valueSerializer, "valueSerializer");
    return up.flatMapBatch(id, batch -> {
      List<KafkaSinkMessage<byte[], byte[]>> out = new ArrayList<>(batch.size());
      for (KafkaSinkMessage<K, V> m : batch) {
        String topic = m.topic() != null ? m.topic() : topicHint;
        try {
          byte[] k;
          try {
            k = keySerializer.serialize(topic, m.key());
          } catch (RuntimeException e) {
            throw new KafkaConnectorException("cannot serialize the key with " + name("key serializer", keySerializer, id)
                + ": " + e.getMessage(), e);
          }
          byte[] v;
          try {
            v = valueSerializer.serialize(topic, m.value());
          } catch (RuntimeException e) {
            throw new KafkaConnectorException("cannot serialize the value with "
                + name("value serializer", valueSerializer, id) + ": " + e.getMessage(), e);
          }
          out.add(new KafkaSinkMessage<>(k, v, m.topic(), m.partition(), m.timestamp(), m.headers()));
        } catch (RuntimeException e) {
          throw new ItemFailedException(m, e);
        }
      }
      return out;
    });
  }

  /**
   * Names a user's function in an error: by its class when it has a readable one (a named class),
   * always with the step, since a lambda's or an anonymous class's name says nothing.
   */
  static String name(String role, Object fn, String stepId) {
    Class<?> c = fn.getClass();
    boolean readable = !c.isSynthetic() && !c.isAnonymousClass() && !c.isHidden() && !c.getSimpleName().isEmpty()
        && !c.getName().contains("$$Lambda");
    return "the " + role + (readable ? " " + c.getName() : "") + " of step '" + stepId + "'";
  }

  /** Splits a stream of results by kind; the casts are safe because each branch holds one kind. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static <K, V> KafkaSplit<K, V> split(String id, Stream<? extends KafkaResult<?, ?>> results) {
    Branched<? extends KafkaResult<?, ?>> b = results.branch(id, r -> r instanceof KafkaSourceMessage);
    return new KafkaSplit<>((Stream) b.trues(), (Stream) b.falses());
  }
}
