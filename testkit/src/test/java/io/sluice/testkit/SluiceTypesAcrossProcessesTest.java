package io.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.JoinMode;
import io.sluice.dataflow.KV;
import io.sluice.dataflow.StepError;
import io.sluice.dataflow.Tried;
import io.sluice.serde.SerdeTypes;
import java.util.List;

/** The engine's own item types cross processes with no registerTypes: KV, join results, error records. */
class SluiceTypesAcrossProcessesTest {

  @DataflowTest(workers = {1, 2}, processes = {1, 2})
  void kvJoinedAndStepErrorsCrossAnExchangeUnregistered(DataflowRunner runner) {
    TestSink<String> joined = new TestSink<>();
    TestSink<String> errors = new TestSink<>();
    Dataflow flow = new Dataflow("sluice-types");
    var left = flow.input("left", TestSource.of("a", "b")).keyOn("lk", s -> s);
    var right = flow.input("right", TestSource.of("a", "b")).keyOn("rk", s -> s);
    left.join("join", right, JoinMode.COMPLETE)
        .redistribute("spread-joined") // KV<String, Joined<..>> crosses processes
        .map("show", kv -> kv.key() + "=" + kv.value().left() + kv.value().right())
        .output("joined", joined);
    Tried<Integer, String> parsed = flow.input("numbers", TestSource.of("1", "x", "3"))
        .tryMap("parse", Integer::parseInt);
    parsed.out().output("parsed", new TestSink<>());
    parsed.errors()
        .redistribute("spread-errors") // StepError crosses processes
        .map("describe", (StepError<String> e) -> e.stepId() + ":" + e.item() + ":" + e.error().getClass().getSimpleName())
        .output("errors", errors);
    TestRun run = runner.run(flow);
    assertThat(run.output(joined).items()).containsExactlyInAnyOrder("a=aa", "b=bb");
    assertThat(run.output(errors).items()).containsExactly("parse:x:NumberFormatException");
    assertThat(SerdeTypes.discovered()).contains(KV.class, StepError.class);
  }
}
