package io.sluice.dataflow;

import io.sluice.serde.SerdeTypes;
import java.util.List;

/**
 * The engine's own item types for {@link SerdeTypes}: they cross processes without registration.
 * Found by {@link java.util.ServiceLoader}; not for direct use. Add a new engine item type here.
 */
public final class DataflowSerdeTypes implements SerdeTypes {
  @Override
  public List<Class<?>> types() {
    return List.of(
        KV.class,
        Joined.class,
        StatefulLogics.Side.class,
        StatefulLogics.JoinState.class,
        CollectState.class,
        StepError.class);
  }
}
