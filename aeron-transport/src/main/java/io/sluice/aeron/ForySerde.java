package io.sluice.aeron;

import io.sluice.serde.Serde;
import io.sluice.serde.SerdeException;
import java.util.ArrayList;
import java.util.List;
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
 *   {@code LinkedHashMap}, {@code List.of} and the like, {@code java.time}, {@code BigDecimal} ...),
 *   Sluice's own item types ({@code KV}, {@code Joined}, the join's side tag and state, the window
 *   results, events and snapshots) and then the flow's
 *   registered class names, in the order given, with fixed ids: the ids agree in every process
 *   that runs the same dataflow.</li>
 *   <li><b>A type that is not registered</b> fails to serialize with a {@link SerdeException}
 *   naming the type and saying to call {@code Dataflow.registerTypes(...)}.</li>
 *   <li><b>Thread-safe</b>: any number of threads may serialize and deserialize at once.</li>
 * </ul>
 *
 * <p>Records are built through their canonical constructor; other classes field by field (no
 * constructor needed). References are not tracked: a shared object is written once per use, and
 * cyclic object graphs are not supported. Package entries (names ending in '.') are refused:
 * every class needs its own registration id, the same in every process.
 */
public final class ForySerde implements Serde {
  /** Id of the first Sluice type; the flow's types follow from {@link #FIRST_USER_ID}. */
  static final int FIRST_SLUICE_ID = 100;
  static final int FIRST_USER_ID = 200;

  /** Sluice's own item types, registered in this order from {@link #FIRST_SLUICE_ID}. */
  static final List<String> SLUICE_TYPES = List.of(
      "io.sluice.dataflow.KV", "io.sluice.dataflow.Joined", "io.sluice.dataflow.StatefulLogics$Side",
      // windowing: results, and the window step's events and snapshots
      "io.sluice.dataflow.StatefulLogics$JoinState", "io.sluice.windowing.Windowed", "io.sluice.windowing.WindowMetadata",
      "io.sluice.windowing.WindowEvent", "io.sluice.windowing.WindowSnapshot", "io.sluice.windowing.WindowSnapshot$Queued",
      "io.sluice.windowing.EventClockState", "io.sluice.windowing.SlidingWindowerState",
      "io.sluice.windowing.SessionWindowerState");

  private static final Pattern UNREGISTERED = Pattern.compile("[Cc]lass (\\S+?),? is not registered");

  private final ThreadSafeFory fory;

  /**
   * @param registeredTypes the flow's registered class names ({@code Dataflow.registerTypes}), in
   *                        order; must be the same list in every process
   * @throws IllegalArgumentException if an entry is a package (ends in '.') or names no class
   */
  public ForySerde(List<String> registeredTypes) {
    List<Class<?>> types = new ArrayList<>();
    for (String name : SLUICE_TYPES) {
      types.add(load(name, "Sluice type"));
    }
    List<Class<?>> user = new ArrayList<>();
    for (String name : registeredTypes) {
      if (name.endsWith(".")) {
        throw new IllegalArgumentException("registered type '" + name + "' is a package: the default serde (Fory)"
            + " needs every class registered by itself, with the same id in every process; register the"
            + " package's classes one by one with Dataflow.registerTypes(...)");
      }
      user.add(load(name, "registered type"));
    }
    fory = Fory.builder()
        .withLanguage(Language.JAVA)
        .requireClassRegistration(true)
        .withDeserializeUnknownClass(false)
        .withRefTracking(false)
        .withName("sluice")
        .buildThreadSafeFory();
    int id = FIRST_SLUICE_ID;
    for (Class<?> t : types) {
      fory.register(t, id++);
    }
    id = FIRST_USER_ID;
    for (Class<?> t : user) {
      if (!types.contains(t)) { // registering a type twice keeps its first id
        fory.register(t, id);
        types.add(t);
      }
      id++;
    }
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
      throw new SerdeException("refused to deserialize: " + explain(e), e);
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
              + name.replace('$', '.') + ".class) on the dataflow (the same types in the same order in every process)";
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
