package io.sluice.serde;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;

/**
 * A {@link Serde} on Java serialization with an allow-list: deserialization only creates the
 * allowed classes (an entry ending in '.' allows a whole package), plus the JDK's {@code java.lang},
 * {@code java.util}, {@code java.time}, {@code java.math}, Sluice's {@code io.sluice.dataflow} and
 * {@code io.sluice.windowing} types and every module's {@link SerdeTypes}, never an arbitrary class named by the bytes. Items must be {@link java.io.Serializable}; a type that is not fails with
 * {@link SerdeException} naming it.
 */
public final class JavaSerde implements Serde {
  private static final List<String> ALWAYS = List.of("java.lang.", "java.util.", "java.time.", "java.math.",
      "io.sluice.dataflow.", "io.sluice.windowing.", "[");

  private final List<String> allowed;
  /** Sluice's own item types of every module on the class path ({@link SerdeTypes}). */
  private final java.util.Set<String> sluiceTypes = new java.util.HashSet<>();

  /** @param allowed class names, or packages ending in '.', that may be deserialized, e.g. {@code "com.acme.events."} */
  public JavaSerde(List<String> allowed) {
    this.allowed = List.copyOf(allowed);
    for (Class<?> t : SerdeTypes.discovered()) {
      sluiceTypes.add(t.getName());
    }
  }

  /** Allows only the JDK value types and Sluice's own. */
  public JavaSerde() {
    this(List.of());
  }

  @Override
  public byte[] serialize(Object item) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(item);
    } catch (NotSerializableException e) {
      throw new SerdeException("cannot serialize " + typeName(item) + ": " + e.getMessage()
          + " is not java.io.Serializable", e);
    } catch (IOException e) {
      throw new SerdeException("cannot serialize " + typeName(item) + ": " + e, e);
    }
    return bytes.toByteArray();
  }

  @Override
  public Object deserialize(byte[] data) {
    String[] refused = new String[1];
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(data))) {
      in.setObjectInputFilter(info -> {
        ObjectInputFilter.Status status = check(info);
        if (status == ObjectInputFilter.Status.REJECTED && refused[0] == null) {
          refused[0] = info.serialClass().getName();
        }
        return status;
      });
      return in.readObject();
    } catch (java.io.InvalidClassException e) {
      if (refused[0] != null) {
        throw new SerdeException("refused to deserialize " + refused[0] + ": it is not an allowed type"
            + " (register it with Dataflow.registerTypes, or allow it)", e);
      }
      throw new SerdeException("refused to deserialize: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new SerdeException("cannot deserialize: " + e, e);
    } catch (ClassNotFoundException e) {
      throw new SerdeException("cannot deserialize: class not found " + e.getMessage(), e);
    }
  }

  private ObjectInputFilter.Status check(ObjectInputFilter.FilterInfo info) {
    Class<?> c = info.serialClass();
    if (c == null) {
      return ObjectInputFilter.Status.UNDECIDED;
    }
    while (c.isArray()) {
      c = c.getComponentType();
    }
    if (c.isPrimitive()) {
      return ObjectInputFilter.Status.ALLOWED;
    }
    String name = c.getName();
    if (sluiceTypes.contains(name)) {
      return ObjectInputFilter.Status.ALLOWED;
    }
    for (String p : ALWAYS) {
      if (name.startsWith(p)) {
        return ObjectInputFilter.Status.ALLOWED;
      }
    }
    for (String p : allowed) {
      if (name.equals(p) || (p.endsWith(".") && name.startsWith(p))) {
        return ObjectInputFilter.Status.ALLOWED;
      }
    }
    return ObjectInputFilter.Status.REJECTED;
  }

  private static String typeName(Object item) {
    return item == null ? "null" : item.getClass().getName();
  }
}
