package io.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.connectors.FileSource;
import io.sluice.dataflow.Dataflow;
import io.sluice.run.StepFailedException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** Bad input fails naming the step, the file, the line and the byte offset. */
class BadInputTest {

  @DataflowTest(workers = {1, 3})
  void aBinaryFileNamesFileLineAndByteOffset(DataflowRunner runner, @TempDir Path dir) throws Exception {
    Path file = dir.resolve("image.bin");
    byte[] bytes = new byte[64];
    bytes[0] = 'h';
    bytes[1] = 'i';
    bytes[2] = '\n';
    bytes[3] = (byte) 0x89; // a PNG's first byte: not UTF-8
    bytes[4] = 'P';
    Files.write(file, bytes);
    Dataflow flow = new Dataflow("binary");
    flow.input("lines", new FileSource(file)).output("out", new TestSink<>());
    StepFailedException e = runner.runExpectingFailure(flow);
    assertThat(e.stepId()).isEqualTo("lines");
    assertThat(e).hasStackTraceContaining(file.toString())
        .hasStackTraceContaining("line 2 is not UTF-8")
        .hasStackTraceContaining("byte offset 3")
        .hasStackTraceContaining("0x89");
  }
}
