package io.sluice.inputs;

/**
 * Implemented by a source partition whose client library keeps metrics of its own (the Kafka
 * source's consumer: fetch rates, records lag): the runtime hands that client to the run's
 * {@link io.sluice.run.RunObserver} ({@code clientOpened} after the partition opened,
 * {@code clientClosed} before it closes), so that a metrics module can expose those metrics with
 * the step, worker and partition they belong to. Sluice itself never calls the client.
 */
public interface InstrumentedPartition {
  /**
   * The client whose metrics an observer may read, e.g. an
   * {@code org.apache.kafka.clients.consumer.Consumer}; non-null and the same object for the
   * partition's whole life. Called once, on the worker's thread, right after the partition opened.
   */
  Object metricsClient();
}
