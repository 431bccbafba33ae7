package io.sluice.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.connectors.IterableSource;
import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import io.sluice.run.Sluice;
import io.sluice.run.StepFailedException;
import java.util.List;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A deserializer given as a lambda or an anonymous class is named by its step in errors. */
class KafkaOpsNamingTest {

  private static StepFailedException failWith(Deserializer<String> values, int workers) {
    Dataflow flow = new Dataflow("naming");
    var in = flow.input("in", IterableSource.of(List.of(
        new KafkaSourceMessage<byte[], byte[]>(null, new byte[] {1}, "orders", 0, 42, 0, null))));
    KafkaOps.deserializeOrRaise("decode", in, new StringDeserializer(), values).output("out", new ListSink<>());
    try {
      Sluice.run(flow, workers);
    } catch (StepFailedException e) {
      return e;
    }
    throw new AssertionError("expected the run to fail");
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 3})
  void aLambdaDeserializerIsNamedByItsStep(int workers) {
    StepFailedException e = failWith((topic, data) -> {
      throw new IllegalStateException("boom");
    }, workers);
    assertThat(e.stepId()).isEqualTo("decode");
    assertThat(e).hasStackTraceContaining("the value deserializer of step 'decode'")
        .hasStackTraceContaining("orders-0@42").hasStackTraceContaining("boom");
    assertThat(e.getCause().getMessage()).doesNotContain("$$Lambda");
  }

  @Test
  void anAnonymousDeserializerIsNamedByItsStepAndANamedOneByItsClass() {
    StepFailedException anonymous = failWith(new Deserializer<String>() {
      @Override
      public String deserialize(String topic, byte[] data) {
        throw new IllegalStateException("boom");
      }
    }, 1);
    assertThat(anonymous).hasStackTraceContaining("the value deserializer of step 'decode':");
    assertThat(KafkaOps.name("key deserializer", new StringDeserializer(), "decode"))
        .isEqualTo("the key deserializer org.apache.kafka.common.serialization.StringDeserializer of step 'decode'");
  }
}
