package io.sluice.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A JVM started without the option Agrona needs gets a clear message saying where to add it, not an IllegalAccessError. */
class JvmOptionTest {
  private static String runProbe(boolean withOption) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    if (withOption) {
      command.addAll(List.of(Sluice.REQUIRED_JVM_OPTION.split(" ")));
    }
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), JvmOptionProbe.class.getName()));
    Path out = Files.createTempFile("jvm-option-probe", ".txt");
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("the child JVM did not finish within 30 s: " + Files.readString(out));
      }
      return Files.readString(out);
    } finally {
      Files.deleteIfExists(out);
    }
  }

  @Test
  void withoutTheOptionARunIsRefusedNamingTheOptionAndWhereToPutIt() throws Exception {
    assertThat(runProbe(false))
        .contains("REFUSED Sluice needs the JVM option --add-exports java.base/jdk.internal.misc=ALL-UNNAMED")
        .contains("<argLine>--add-exports java.base/jdk.internal.misc=ALL-UNNAMED</argLine>")
        .doesNotContain("IllegalAccessError");
  }

  @Test
  void withTheOptionTheSameRunWorks() throws Exception {
    assertThat(runProbe(true)).contains("OK 3");
  }
}
