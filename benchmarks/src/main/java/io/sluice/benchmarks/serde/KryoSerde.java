package io.sluice.benchmarks.serde;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Registration;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.DefaultSerializers;
import com.esotericsoftware.kryo.util.DefaultClassResolver;
import com.esotericsoftware.kryo.util.DefaultInstantiatorStrategy;
import com.esotericsoftware.kryo.util.Pool;
import io.sluice.serde.Serde;
import io.sluice.serde.SerdeException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.objenesis.strategy.StdInstantiatorStrategy;

/**
 * Kryo 5 behind Sluice's {@link Serde}, with registration required: the candidate the serde
 * comparison measured against Fory (docs/PERFORMANCE.md). Not used by the engine.
 *
 * <p>Guarantees:
 * <ul>
 *   <li><b>Only registered types are created from bytes.</b> Bytes name classes by registration id
 *   only; an unknown id, or bytes that name a class by its name, are refused with a
 *   {@link SerdeException} before any class is loaded or instantiated.</li>
 *   <li><b>Registered types</b> are, in this order: the JDK value and collection types Sluice batches
 *   contain (boxed primitives, {@code String}, arrays of primitives, {@code ArrayList},
 *   {@code LinkedList}, {@code HashMap}, {@code LinkedHashMap}, {@code TreeMap}, {@code HashSet},
 *   {@code LinkedHashSet}, {@code TreeSet}, {@code List.of}/{@code Set.of}/{@code Map.of} and the
 *   {@code Collections} empty/singleton types, {@code Arrays.asList}, {@code java.time} basics,
 *   {@code BigDecimal}, {@code BigInteger}, {@code UUID}, {@code Optional}), Sluice's own item types
 *   ({@code KV}, {@code Joined}, the join's side tag), then the flow's registered class names in the
 *   order given. Registration ids therefore agree in every process that runs the same dataflow.</li>
 *   <li><b>A type that is not registered</b> fails to serialize with a {@link SerdeException}
 *   naming the type and saying to call {@code Dataflow.registerTypes(...)}.</li>
 *   <li><b>Thread-safe</b>: any number of threads may serialize and deserialize at once (pooled
 *   Kryo instances and buffers).</li>
 * </ul>
 *
 * <p>Records use their canonical constructor; other classes are written field by field (no
 * constructor needed). References are not tracked: a shared object is written once per use, and
 * cyclic object graphs are not supported. Package entries (names ending in '.') are refused: Kryo
 * needs every class registered individually, in the same order, in every process.
 */
public final class KryoSerde implements Serde {
  /** First registration id of the flow's registered types; built-in registrations stay below it. */
  static final int FIRST_USER_ID = 100;
  private static final int FIRST_BUILTIN_ID = 10;

  /** JDK and Sluice types always registered, in id order (from {@link #FIRST_BUILTIN_ID}). */
  static final List<String> BUILTIN = List.of(
      "java.lang.Object",
      "[B", "[I", "[J", "[D", "[F", "[S", "[C", "[Z", "[Ljava.lang.String;", "[Ljava.lang.Object;",
      "java.util.ArrayList", "java.util.LinkedList", "java.util.HashMap", "java.util.LinkedHashMap",
      "java.util.TreeMap", "java.util.HashSet", "java.util.LinkedHashSet", "java.util.TreeSet",
      "java.util.ImmutableCollections$List12", "java.util.ImmutableCollections$ListN",
      "java.util.ImmutableCollections$Set12", "java.util.ImmutableCollections$SetN",
      "java.util.ImmutableCollections$Map1", "java.util.ImmutableCollections$MapN",
      "java.util.Collections$EmptyList", "java.util.Collections$EmptyMap", "java.util.Collections$EmptySet",
      "java.util.Collections$SingletonList", "java.util.Collections$SingletonMap",
      "java.util.Collections$SingletonSet", "java.util.Arrays$ArrayList",
      "java.time.Instant", "java.time.Duration", "java.time.LocalDate", "java.time.LocalTime",
      "java.time.LocalDateTime", "java.time.ZoneOffset", "java.time.OffsetDateTime",
      "java.math.BigDecimal", "java.math.BigInteger", "java.util.UUID", "java.util.Optional",
      "io.sluice.dataflow.KV", "io.sluice.dataflow.Joined", "io.sluice.dataflow.StatefulLogics$Side");

  private final List<Class<?>> userTypes;
  private final Pool<Kryo> kryos;
  private final Pool<Output> outputs;

  /**
   * @param registeredTypes the flow's registered class names ({@code Dataflow.registerTypes}), in
   *                        order; must be the same list in every process
   * @throws IllegalArgumentException if an entry is a package (ends in '.'), names no class, or names a
   *                                  class Kryo cannot handle without opening JDK internals
   */
  public KryoSerde(List<String> registeredTypes) {
    List<Class<?>> types = new ArrayList<>();
    for (String name : registeredTypes) {
      if (name.endsWith(".")) {
        throw new IllegalArgumentException("registered type '" + name + "' is a package: the default serde (Kryo)"
            + " needs every class registered by itself, in the same order in every process; register the"
            + " package's classes one by one with Dataflow.registerTypes(...)");
      }
      types.add(load(name, "registered type"));
    }
    this.userTypes = List.copyOf(types);
    newKryo(); // fails now, not on the first batch, if a registered type cannot be handled
    int cores = Runtime.getRuntime().availableProcessors();
    this.kryos = new Pool<>(true, false, Math.max(8, 4 * cores)) {
      @Override
      protected Kryo create() {
        return newKryo();
      }
    };
    this.outputs = new Pool<>(true, false, Math.max(8, 4 * cores)) {
      @Override
      protected Output create() {
        return new Output(4096, -1);
      }
    };
  }

  /** Only the built-in registrations. */
  public KryoSerde() {
    this(List.of());
  }

  @Override
  public byte[] serialize(Object item) {
    Kryo kryo = kryos.obtain();
    Output out = outputs.obtain();
    try {
      out.reset();
      kryo.writeClassAndObject(out, item);
      return out.toBytes();
    } catch (KryoException | IllegalArgumentException e) {
      throw new SerdeException("cannot serialize " + typeName(item) + ": " + e.getMessage(), e);
    } finally {
      if (out.getBuffer().length > (1 << 20)) {
        out.setBuffer(new byte[4096], -1); // do not keep a huge buffer pooled
      }
      outputs.free(out);
      kryos.free(kryo);
    }
  }

  @Override
  public Object deserialize(byte[] bytes) {
    Kryo kryo = kryos.obtain();
    try {
      return kryo.readClassAndObject(new Input(bytes));
    } catch (KryoException | IllegalArgumentException e) {
      throw new SerdeException("refused to deserialize: " + e.getMessage(), e);
    } finally {
      kryos.free(kryo);
    }
  }

  private Kryo newKryo() {
    Kryo kryo = new SluiceKryo();
    kryo.setRegistrationRequired(true);
    kryo.setReferences(false);
    kryo.setInstantiatorStrategy(new DefaultInstantiatorStrategy(new StdInstantiatorStrategy()));
    int id = FIRST_BUILTIN_ID;
    for (String name : BUILTIN) {
      Class<?> type = load(name, "built-in type");
      if (type == UUID.class) {
        kryo.register(type, new DefaultSerializers.UUIDSerializer(), id++);
      } else {
        kryo.register(type, id++);
      }
    }
    id = FIRST_USER_ID;
    for (Class<?> t : userTypes) {
      Registration existing = kryo.getClassResolver().getRegistration(t);
      if (existing == null) {
        try {
          kryo.register(t, id);
        } catch (RuntimeException e) {
          throw new IllegalArgumentException("registered type " + t.getName() + " cannot be serialized by Kryo: "
              + e.getMessage(), e);
        }
      }
      id++;
    }
    return kryo;
  }

  private static Class<?> load(String name, String what) {
    try {
      return Class.forName(name, false, KryoSerde.class.getClassLoader());
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

  private static String typeName(Object item) {
    if (item instanceof List<?> l) {
      return "a batch of " + l.size() + " items";
    }
    return item == null ? "null" : item.getClass().getName();
  }

  /** Kryo whose unregistered-class message tells Sluice users what to do, and which never resolves classes by name. */
  private static final class SluiceKryo extends Kryo {
    SluiceKryo() {
      super(new IdOnlyClassResolver(), null);
    }

    @Override
    protected String unregisteredClassMessage(@SuppressWarnings("rawtypes") Class type) {
      String name = type.getName();
      return "type " + name + " is not registered for crossing processes; call Dataflow.registerTypes("
          + type.getCanonicalName() + ".class) on the dataflow (the same types in the same order in every process)";
    }
  }

  /** Refuses bytes that name a class by its name: only registration ids are accepted. */
  private static final class IdOnlyClassResolver extends DefaultClassResolver {
    @Override
    protected Registration readName(Input input) {
      throw new KryoException("the bytes name a class by its name; only registered types (by id) are accepted");
    }
  }
}
