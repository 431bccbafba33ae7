package io.sluice.benchmarks.serde;

import io.sluice.serde.Serde;
import io.sluice.serde.SerdeException;
import java.util.List;
import org.apache.fory.Fory;
import org.apache.fory.ThreadSafeFory;
import org.apache.fory.config.Language;

/**
 * Apache Fory behind Sluice's {@link Serde}, for the serde comparison only: Java mode, class
 * registration required, no reference tracking, thread-safe; registers the benchmark's payload
 * types and Sluice's {@code KV}.
 */
public final class ForySerde implements Serde {
  private final ThreadSafeFory fory;

  /** Registers {@code types} in order (ids must match in every process). */
  public ForySerde(List<Class<?>> types) {
    fory = Fory.builder()
        .withLanguage(Language.JAVA)
        .requireClassRegistration(true)
        .withRefTracking(false)
        .buildThreadSafeFory();
    int id = 100;
    for (Class<?> t : types) {
      fory.register(t, id++);
    }
  }

  @Override
  public byte[] serialize(Object item) {
    try {
      return fory.serialize(item);
    } catch (RuntimeException e) {
      throw new SerdeException("cannot serialize " + (item == null ? "null" : item.getClass().getName()) + ": " + e, e);
    }
  }

  @Override
  public Object deserialize(byte[] bytes) {
    try {
      return fory.deserialize(bytes);
    } catch (RuntimeException e) {
      throw new SerdeException("refused to deserialize: " + e, e);
    }
  }
}
