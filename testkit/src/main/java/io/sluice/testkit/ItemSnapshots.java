package io.sluice.testkit;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.io.Serializable;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Collection;
import java.util.Map;
import java.util.UUID;

/**
 * Copies and fingerprints of items, so the testkit can keep what a sink was given at the time and
 * notice an item changed afterwards. Deeply immutable items (strings, boxed primitives, enums,
 * {@code java.time} values, records and {@code List.of}-style collections of those) are used as
 * they are; other {@link Serializable} items are copied through Java serialization (bytes this JVM
 * just wrote, never read from outside); items that are neither cannot be copied and are kept by
 * reference.
 */
final class ItemSnapshots {
  private ItemSnapshots() {}

  /** Whether {@code item} and everything it holds can never change. */
  static boolean immutable(Object item) {
    return immutable(item, 0);
  }

  private static boolean immutable(Object o, int depth) {
    if (o == null) {
      return true;
    }
    if (o instanceof io.sluice.dataflow.KV<?, ?> kv) { // the common case, without reflection
      return depth < 16 && immutable(kv.key(), depth + 1) && immutable(kv.value(), depth + 1);
    }
    if (LEAF.get(o.getClass())) {
      return true;
    }
    if (depth > 16) {
      return false;
    }
    Class<?> c = o.getClass();
    if (c.isRecord()) {
      for (RecordComponent rc : ACCESSORS.get(c)) {
        try {
          if (!immutable(rc.getAccessor().invoke(o), depth + 1)) {
            return false;
          }
        } catch (ReflectiveOperationException | RuntimeException e) {
          return false;
        }
      }
      return true;
    }
    if (c.getName().startsWith("java.util.ImmutableCollections$")) {
      if (o instanceof Map<?, ?> m) {
        for (Map.Entry<?, ?> e : m.entrySet()) {
          if (!immutable(e.getKey(), depth + 1) || !immutable(e.getValue(), depth + 1)) {
            return false;
          }
        }
        return true;
      }
      for (Object e : (Collection<?>) o) {
        if (!immutable(e, depth + 1)) {
          return false;
        }
      }
      return true;
    }
    return false;
  }

  /** Classes whose instances hold nothing that can change. */
  private static final ClassValue<Boolean> LEAF = new ClassValue<>() {
    @Override
    protected Boolean computeValue(Class<?> c) {
      return c == String.class || c == Integer.class || c == Long.class || c.isEnum()
          || (c.getSuperclass() != null && c.getSuperclass().isEnum()) || c == Boolean.class || c == Double.class
          || c == Character.class || c == Short.class || c == Byte.class || c == Float.class || c == UUID.class
          || c == BigInteger.class || c == BigDecimal.class || c == Class.class
          || (c.getName().startsWith("java.time.") && !c.getName().startsWith("java.time.Clock"));
    }
  };

  /** Record accessors made accessible once per class (records of tests are often private). */
  private static final ClassValue<RecordComponent[]> ACCESSORS = new ClassValue<>() {
    @Override
    protected RecordComponent[] computeValue(Class<?> type) {
      RecordComponent[] components = type.getRecordComponents();
      for (RecordComponent rc : components) {
        try {
          rc.getAccessor().setAccessible(true);
        } catch (RuntimeException e) {
          // a module that does not open it: immutable() answers false for such records
        }
      }
      return components;
    }
  };

  /** The item's serialized form, or null if it cannot be serialized (then it cannot be checked). */
  static byte[] bytes(Object item) {
    if (!(item instanceof Serializable)) {
      return null;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(128);
    try (ObjectOutputStream o = new ObjectOutputStream(out)) {
      o.writeObject(item);
    } catch (IOException | RuntimeException e) {
      return null; // holds something not serializable
    }
    return out.toByteArray();
  }

  /** What {@code item} holds now, independent of it: itself if immutable, else a deep copy if possible, else itself. */
  static Object copy(Object item) {
    if (immutable(item)) {
      return item;
    }
    byte[] b = bytes(item);
    return b == null ? item : read(b, item.getClass().getClassLoader());
  }

  /** Reads bytes {@link #bytes} wrote in this JVM. */
  static Object read(byte[] bytes, ClassLoader loader) {
    try (ObjectInputStream in = new LoaderObjectInputStream(new ByteArrayInputStream(bytes), loader)) {
      return in.readObject();
    } catch (IOException | ClassNotFoundException e) {
      throw new IllegalStateException("cannot copy an item through Java serialization: " + e, e);
    }
  }

  static boolean same(byte[] a, byte[] b) {
    return Arrays.equals(a, b);
  }

  /** Resolves classes with the item's class loader first (test classes), then the default. */
  private static final class LoaderObjectInputStream extends ObjectInputStream {
    private final ClassLoader loader;

    LoaderObjectInputStream(InputStream in, ClassLoader loader) throws IOException {
      super(in);
      this.loader = loader;
    }

    @Override
    protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
      if (loader != null) {
        try {
          return Class.forName(desc.getName(), false, loader);
        } catch (ClassNotFoundException e) {
          // fall back below
        }
      }
      return super.resolveClass(desc);
    }
  }
}
