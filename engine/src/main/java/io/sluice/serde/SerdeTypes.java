package io.sluice.serde;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * The item types a Sluice module puts into streams itself ({@code KV}, join results, Kafka
 * messages, window results, error records ...): they cross processes with no
 * {@code Dataflow.registerTypes} call by the user. Each module lists its types in one provider,
 * found with {@link ServiceLoader} (a line in {@code META-INF/services/io.sluice.serde.SerdeTypes});
 * adding a type is one line in that provider's list. Serdes allow exactly these, the JDK value
 * types and the flow's registered types to be created from bytes.
 */
public interface SerdeTypes {
  /** This module's item types, including the types of their fields that a serde must also allow. */
  List<Class<?>> types();

  /**
   * The types of every provider on the class path (this interface's class loader and the thread's
   * context class loader), each once, sorted by class name so every process sees the same list.
   *
   * @throws java.util.ServiceConfigurationError if a listed provider cannot be loaded
   */
  static List<Class<?>> discovered() {
    Set<Class<?>> all = new LinkedHashSet<>();
    Set<Class<?>> providers = new LinkedHashSet<>();
    List<ClassLoader> loaders = new ArrayList<>();
    loaders.add(SerdeTypes.class.getClassLoader());
    ClassLoader context = Thread.currentThread().getContextClassLoader();
    if (context != null && context != loaders.get(0)) {
      loaders.add(context);
    }
    for (ClassLoader loader : loaders) {
      for (SerdeTypes p : ServiceLoader.load(SerdeTypes.class, loader)) {
        if (providers.add(p.getClass())) {
          all.addAll(p.types());
        }
      }
    }
    List<Class<?>> sorted = new ArrayList<>(all);
    sorted.sort(Comparator.comparing(Class::getName));
    return List.copyOf(sorted);
  }
}
