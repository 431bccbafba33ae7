package io.sluice.connectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The UTF-8 line reader splits lines as BufferedReader does and names bad bytes by line and offset. */
class Utf8LineReaderTest {

  private static List<String> viaReader(String text) {
    List<String> out = new ArrayList<>();
    Utf8LineReader r = new Utf8LineReader(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), "test");
    for (String l; (l = r.readLine()) != null; ) {
      out.add(l);
    }
    return out;
  }

  private static List<String> viaBufferedReader(String text) throws IOException {
    List<String> out = new ArrayList<>();
    BufferedReader r = new BufferedReader(new StringReader(text));
    for (String l; (l = r.readLine()) != null; ) {
      out.add(l);
    }
    return out;
  }

  @Test
  void splitsLinesLikeBufferedReader() throws IOException {
    String[] pieces = {"a", "bb", "ü", "✓", "\n", "\r", "\r\n", "", "x".repeat(70_000)};
    Random random = new Random(11);
    for (int round = 0; round < 300; round++) {
      StringBuilder text = new StringBuilder();
      int n = random.nextInt(12);
      for (int i = 0; i < n; i++) {
        text.append(pieces[random.nextInt(round < 250 ? pieces.length - 1 : pieces.length)]);
      }
      assertThat(viaReader(text.toString())).as("lines of %s", text.length() < 100 ? text : "long text")
          .isEqualTo(viaBufferedReader(text.toString()));
    }
  }

  @Test
  void namesTheLineAndByteOffsetOfBytesThatAreNotUtf8() {
    byte[] bytes = "ok\nfine ü\nbad \u00ff".getBytes(StandardCharsets.ISO_8859_1);
    // "ok\n" = 3 bytes, "fine ü\n" in Latin-1 = 7 bytes: the 0xfc of ü at offset 8 is the first bad byte
    Utf8LineReader r = new Utf8LineReader(new ByteArrayInputStream(bytes), "step 's': file f.txt");
    assertThat(r.readLine()).isEqualTo("ok");
    assertThatThrownBy(r::readLine).isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("step 's': file f.txt")
        .hasMessageContaining("line 2 is not UTF-8")
        .hasMessageContaining("0xfc")
        .hasMessageContaining("byte offset 8");
  }
}
