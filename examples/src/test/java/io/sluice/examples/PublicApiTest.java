package io.sluice.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.aeron.AeronTransportFactory;
import io.sluice.dataflow.Dataflow;
import io.sluice.kafka.KafkaSource;
import io.sluice.testkit.DataflowRunner;
import io.sluice.testkit.kafka.KafkaBroker;
import io.sluice.testkit.kafka.embedded.EmbeddedKafkaBroker;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.TreeSet;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * What a user of the published artifacts sees: no type of a library Sluice uses inside (Agrona,
 * Aeron, Fory, SQLite, picocli, logging backends) appears in a public signature of a public Sluice
 * type, so those libraries can change or move without breaking users; and the recovery package
 * shows only what users need. Scans every class of the engine, the transport, the Kafka connector,
 * the metrics module and both testkits as they are on this test's class path.
 */
class PublicApiTest {
  private static final List<String> INTERNAL_LIBRARIES = List.of("org.agrona.", "io.aeron.", "org.apache.fory.",
      "org.sqlite.", "picocli.", "org.HdrHistogram.", "ch.qos.logback.");
  /** Packages whose public types are the engine's or a module's own internals, not documented as API. */
  private static final List<String> INTERNAL_PACKAGES = List.of("io.sluice.runtime.", "io.sluice.recovery.internal.");

  @Test
  void noPublicSignatureNamesAnInternalLibrarysType() throws Exception {
    List<String> leaks = new ArrayList<>();
    for (Class<?> c : publicTypes()) {
      if (INTERNAL_PACKAGES.stream().anyMatch(c.getName()::startsWith)) {
        continue;
      }
      check(leaks, c.getName(), "extends", c.getGenericSuperclass());
      for (Type t : c.getGenericInterfaces()) {
        check(leaks, c.getName(), "implements", t);
      }
      for (Method m : c.getDeclaredMethods()) {
        if (visible(m.getModifiers()) && !m.isSynthetic()) {
          String where = c.getName() + "." + m.getName();
          check(leaks, where, "returns", m.getGenericReturnType());
          for (Type t : m.getGenericParameterTypes()) {
            check(leaks, where, "takes", t);
          }
          for (Type t : m.getGenericExceptionTypes()) {
            check(leaks, where, "throws", t);
          }
        }
      }
      for (Constructor<?> k : c.getDeclaredConstructors()) {
        if (visible(k.getModifiers()) && !k.isSynthetic()) {
          for (Type t : k.getGenericParameterTypes()) {
            check(leaks, c.getName() + ".<init>", "takes", t);
          }
        }
      }
      for (Field f : c.getDeclaredFields()) {
        if (visible(f.getModifiers()) && !f.isSynthetic()) {
          check(leaks, c.getName() + "." + f.getName(), "is", f.getGenericType());
        }
      }
    }
    assertThat(leaks).as("public signatures naming a type of a library Sluice uses internally").isEmpty();
  }

  @Test
  void theRecoveryPackageShowsUsersOnlyTheStoreAndWhatItReports() throws Exception {
    List<String> recovery = publicTypes().stream().map(Class::getName)
        .filter(n -> n.startsWith("io.sluice.recovery.") && !n.startsWith("io.sluice.recovery.internal.")).toList();
    assertThat(recovery).containsExactlyInAnyOrder("io.sluice.recovery.RecoveryStore",
        "io.sluice.recovery.RecoveryStore$Info");
  }

  private static boolean visible(int modifiers) {
    return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
  }

  private static void check(List<String> leaks, String where, String how, Type t) {
    if (t == null) {
      return;
    }
    String name = t.getTypeName();
    for (String lib : INTERNAL_LIBRARIES) {
      if (name.contains(lib)) {
        leaks.add(where + " " + how + " " + name);
      }
    }
  }

  /** Every public type (nested ones too, if their enclosing types are public) of the scanned modules. */
  private static List<Class<?>> publicTypes() throws IOException, URISyntaxException, ClassNotFoundException {
    TreeSet<String> names = new TreeSet<>();
    for (Class<?> anchor : List.of(Dataflow.class, DataflowRunner.class, AeronTransportFactory.class, KafkaSource.class,
        KafkaBroker.class, EmbeddedKafkaBroker.class, Class.forName("io.sluice.metrics.SluiceMetrics"))) {
      Path where = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (Files.isDirectory(where)) {
        try (var files = Files.walk(where)) {
          files.map(p -> where.relativize(p).toString()).filter(PublicApiTest::isClass)
              .forEach(p -> names.add(p.substring(0, p.length() - 6).replace('/', '.').replace('\\', '.')));
        }
      } else {
        try (JarFile jar = new JarFile(where.toFile())) {
          Collections.list(jar.entries()).stream().map(e -> e.getName()).filter(PublicApiTest::isClass)
              .forEach(p -> names.add(p.substring(0, p.length() - 6).replace('/', '.')));
        }
      }
    }
    List<Class<?>> types = new ArrayList<>();
    for (String n : names) {
      Class<?> c = Class.forName(n, false, PublicApiTest.class.getClassLoader());
      boolean exported = !c.isSynthetic() && !c.isAnonymousClass() && !c.isLocalClass();
      for (Class<?> x = c; x != null && exported; x = x.getDeclaringClass()) {
        exported = Modifier.isPublic(x.getModifiers());
      }
      if (exported) {
        types.add(c);
      }
    }
    assertThat(types).as("public types found").hasSizeGreaterThan(100);
    return types;
  }

  private static boolean isClass(String path) {
    return path.endsWith(".class") && path.startsWith("io") && !path.endsWith("module-info.class")
        && !path.endsWith("package-info.class");
  }
}
