package io.sluice.kafka;

import io.sluice.dataflow.Stream;

/**
 * The two streams of a Kafka step whose errors flow as items: the records that succeeded and the
 * errors, each on the worker where it happened.
 *
 * @param oks  records read (and deserialized) successfully
 * @param errs the failures, each naming its topic, partition and offset
 */
public record KafkaSplit<K, V>(Stream<KafkaSourceMessage<K, V>> oks, Stream<KafkaError<byte[], byte[]>> errs) {}
