package io.sluice.aeron;

import io.sluice.inputs.Routing;
import io.sluice.serde.Serde;
import io.sluice.serde.SerdeException;
import io.sluice.serde.SerdeTypes;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.fory.Fory;
import org.apache.fory.ThreadSafeFory;
import org.apache.fory.config.Language;
import org.apache.fory.exception.InsecureException;

/**
 * The default cross-process {@link Serde}: Apache Fory (Java mode) with class registration
 * required.
 *
 * <p>Guarantees:
 * <ul>
 *   <li><b>Only registered types are created from bytes.</b> Bytes that name an unregistered class
 *   (by name or by an id this process does not have) are refused with a {@link SerdeException};
 *   no instance of such a class is created, and no placeholder object either (Fory's
 *   "unknown class" mode is off).</li>
 *   <li><b>Registered types</b>: the JDK value and collection types Fory registers itself (boxed
 *   primitives, {@code String}, primitive arrays, {@code ArrayList}, {@code HashMap},
 *   {@code LinkedHashMap}, {@code List.of} and the like, {@code java.time}, {@code BigDecimal},
 *   common JDK exceptions ...), Sluice's own item types (every {@link SerdeTypes} provider on the
 *   class path: {@code KV}, {@code Joined}, the join's side tag and state, window results, events and snapshots,
 *   Kafka messages, headers and errors,
 *   and what later modules add) and the flow's registered classes. Sluice's and the flow's types
 *   are numbered <em>by class name</em> ({@link #idsByName}), so processes agree on them whatever
 *   order they were registered in; a type one process has and another lacks is refused by the receiver, naming it.</li>
 *   <li><b>A type that is not registered</b> fails to serialize with a {@link SerdeException}
 *   naming the type and saying to call {@code Dataflow.registerTypes(...)}.</li>
 *   <li><b>Thread-safe</b>: any number of threads may serialize and deserialize at once.</li>
 * </ul>
 *
 * <p>Records are built through their canonical constructor; other classes field by field (no
 * constructor needed). By default references are not tracked: a shared object is written once per
 * use, and cyclic object graphs are not supported (see {@link #ForySerde(List, boolean, boolean)}). Package entries (names ending in '.') are refused:
 * every class is registered by itself, by its name.
 */
public final class ForySerde implements Serde {
  private static final Pattern UNREGISTERED = Pattern.compile("[Cc]lass (\\S+?),? is not registered");

  private final ThreadSafeFory fory;

  /**
   * @param registeredTypes the flow's registered class names ({@code Dataflow.registerTypes}), in
   *                        any order
   * @throws IllegalArgumentException if an entry is a package (ends in '.') or names no class
   */
  public ForySerde(List<String> registeredTypes) {
    this(registeredTypes, true);
  }

  /**
   * @param registeredTypes the flow's registered class names ({@code Dataflow.registerTypes}), in
   *                        any order
   * @param codegen         whether Fory generates and compiles a serializer per type (faster once
   *                        compiled, about 0.5 s of CPU at a JVM's first use); without, Fory's
   *                        reflective serializers write the same bytes
   * @throws IllegalArgumentException if an entry is a package (ends in '.') or names no class
   */
  public ForySerde(List<String> registeredTypes, boolean codegen) {
    this(registeredTypes, codegen, false);
  }

  /**
   * @param registeredTypes the flow's registered class names ({@code Dataflow.registerTypes}), in
   *                        any order
   * @param codegen         as in {@link #ForySerde(List, boolean)}
   * @param references      whether object references are tracked: an object shared within a graph
   *                        is written once and read back shared, and cycles work, at some cost per
   *                        object (what recovery snapshots use; exchanges do not). Bytes written with
   *                        and without tracking differ: read with the same setting
   * @throws IllegalArgumentException if an entry is a package (ends in '.') or names no class
   */
  public ForySerde(List<String> registeredTypes, boolean codegen, boolean references) {
    Set<Class<?>> types = new LinkedHashSet<>(SerdeTypes.discovered());
    types.addAll(registered(registeredTypes)); // a type registered twice, or a Sluice type again, is kept once
    fory = Fory.builder()
        .withLanguage(Language.JAVA)
        .requireClassRegistration(true)
        .withDeserializeUnknownClass(false)
        .withRefTracking(references)
        .withName(references ? "sluice-refs" : "sluice")
        .withCodegen(codegen)
        .buildThreadSafeFory();
    ids = idsByName(types);
    ids.forEach(fory::register);
  }

  /**
   * The flow's registered classes, loaded (not initialized).
   *
   * @throws IllegalArgumentException if an entry is a package (ends in '.') or names no class
   */
  static List<Class<?>> registered(List<String> registeredTypes) {
    List<Class<?>> types = new java.util.ArrayList<>();
    for (String name : registeredTypes) {
      if (name.endsWith(".")) {
        throw new IllegalArgumentException("registered type '" + name + "' is a package: the default serde (Fory)"
            + " needs every class registered by itself; register the package's classes one by one with"
            + " Dataflow.registerTypes(...)");
      }
      types.add(load(name, "registered type"));
    }
    return types;
  }

  /** First id of the range types are numbered in by their name's hash (Fory's own ids lie below). */
  static final int FIRST_NAMED_ID = 1 << 20;
  static final int NAMED_ID_SLOTS = 1 << 24;

  private final Map<Class<?>, Integer> ids;

  /**
   * Each type's Fory id, from its class name alone: {@code FIRST_NAMED_ID + murmur3(name) mod
   * NAMED_ID_SLOTS}, so processes agree on ids whatever order they registered the types in. (Fory
   * 1.6's own by-name registration does not survive a different order for enums.) The rare
   * collision takes the next free id, in class-name order, which processes with the same types
   * also agree on.
   */
  static Map<Class<?>, Integer> idsByName(java.util.Collection<Class<?>> types) {
    List<Class<?>> sorted = new java.util.ArrayList<>(types);
    sorted.sort(java.util.Comparator.comparing(Class::getName));
    Map<Class<?>, Integer> ids = new java.util.LinkedHashMap<>();
    Set<Integer> used = new java.util.HashSet<>();
    for (Class<?> t : sorted) {
      int slot = Math.floorMod(Routing.murmur3(t.getName().getBytes(StandardCharsets.UTF_8)), NAMED_ID_SLOTS);
      while (!used.add(FIRST_NAMED_ID + slot)) {
        slot = (slot + 1) % NAMED_ID_SLOTS;
      }
      ids.put(t, FIRST_NAMED_ID + slot);
    }
    return ids;
  }

  /** Only Sluice's and the JDK's types. */
  public ForySerde() {
    this(List.of());
  }

  @Override
  public byte[] serialize(Object item) {
    try {
      return fory.serialize(item);
    } catch (RuntimeException e) {
      throw new SerdeException("cannot serialize " + describe(item) + ": " + explain(e), e);
    }
  }

  @Override
  public Object deserialize(byte[] bytes) {
    try {
      return fory.deserialize(bytes);
    } catch (RuntimeException e) {
      throw new SerdeException("refused to deserialize: " + explain(e) + " (if the sender wrote a type this process"
          + " has not registered: every process must register the same types with Dataflow.registerTypes)", e);
    }
  }

  /** Turns Fory's "not registered" into what a Sluice user must do; other errors keep their message. */
  private static String explain(RuntimeException e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof InsecureException && t.getMessage() != null) {
        Matcher m = UNREGISTERED.matcher(t.getMessage());
        if (m.find()) {
          String name = m.group(1);
          return "type " + name + " is not registered for crossing processes; call Dataflow.registerTypes("
              + name.replace('$', '.') + ".class) on the dataflow, in every process";
        }
        return t.getMessage();
      }
    }
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + root + ")";
  }

  private static Class<?> load(String name, String what) {
    try {
      return Class.forName(name, false, ForySerde.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      try {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        if (context != null) {
          return Class.forName(name, false, context);
        }
      } catch (ClassNotFoundException ignored) {
        // fall through to the message below
      }
      throw new IllegalArgumentException(what + " " + name + " is not on the class path", e);
    }
  }

  private static String describe(Object item) {
    if (item instanceof List<?> l) {
      return "a batch of " + l.size() + " items";
    }
    return item == null ? "null" : item.getClass().getName();
  }
}
