package io.sluice.serde;

import static io.sluice.TestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.sluice.TestSupport;
import io.sluice.connectors.IterableSource;
import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.JoinMode;
import io.sluice.dataflow.Joined;
import io.sluice.dataflow.KV;
import io.sluice.dataflow.KeyedStream;
import io.sluice.run.RunConfig;
import io.sluice.run.Sluice;
import io.sluice.run.StepFailedException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The serde check makes a one-process run round-trip every exchanged item, as crossing processes would. */
class SerdeCheckTest {
  /** Not Serializable. */
  static final class Plain {
    final int n;

    Plain(int n) {
      this.n = n;
    }

    @Override
    public String toString() {
      return "Plain" + n;
    }
  }

  /** Serializable, but not in JavaSerde's default allow-list. */
  record Point(int x, int y) implements Serializable {}

  private static StepFailedException expectFailure(Dataflow flow, RunConfig cfg) {
    StepFailedException e = catchThrowableOfType(StepFailedException.class,
        () -> Sluice.start(flow, cfg).await(TestSupport.BOUND));
    assertThat(e).as("the run should fail").isNotNull();
    assertThat(TestSupport.workerThreads(flow.name())).isEmpty();
    return e;
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4})
  void aNonSerializableItemCrossingRedistributeFailsNamingTheType(int workers) {
    Dataflow flow = new Dataflow(TestSupport.uniqueName("plain"));
    flow.input("in", IterableSource.of(TestSupport.ints(10)))
        .map("wrap", Plain::new)
        .redistribute("spread")
        .output("out", new ListSink<>());
    StepFailedException e = expectFailure(flow,
        RunConfig.workers(workers).withSerdeCheck(new JavaSerde()));
    assertThat(e.stepId()).isEqualTo("spread");
    assertThat(e.worker()).isZero();
    assertThat(e.item()).isEqualTo("Plain0");
    assertThat(e).hasMessageContaining(Plain.class.getName());
    assertThat(e.getCause()).isInstanceOf(SerdeException.class).hasMessageContaining(Plain.class.getName());
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4})
  void aNonSerializableValueCrossingAKeyedStepFailsNamingTheType(int workers) {
    Dataflow flow = new Dataflow(TestSupport.uniqueName("plain-keyed"));
    flow.input("in", IterableSource.of(TestSupport.ints(10)))
        .keyOn("key", i -> "k" + i)
        .mapValue("wrap", Plain::new)
        .foldFinal("fold", () -> 0, (Integer acc, Plain p) -> acc + p.n)
        .output("out", new ListSink<>());
    StepFailedException e = expectFailure(flow, RunConfig.workers(workers).withSerdeCheck(new JavaSerde()));
    assertThat(e.stepId()).isEqualTo("fold");
    assertThat(e).hasMessageContaining(Plain.class.getName());
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4})
  void serializableJdkAndSluiceTypesPassAsCopies(int workers) {
    List<ArrayList<Integer>> lists = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      lists.add(new ArrayList<>(List.of(i, i + 1)));
    }
    Dataflow flow = new Dataflow(TestSupport.uniqueName("serializable"));
    ListSink<ArrayList<Integer>> copies = new ListSink<>();
    ListSink<KV<String, Joined<Integer, String>>> joined = new ListSink<>();
    flow.input("lists", IterableSource.of(lists, 3)).redistribute("spread").output("copies", copies);
    KeyedStream<String, Integer> left = flow.input("left", IterableSource.of(TestSupport.ints(20)))
        .keyOn("lk", i -> "k" + i);
    KeyedStream<String, String> right = flow.input("right", IterableSource.of(TestSupport.ints(20)))
        .keyOn("rk", i -> "k" + i).mapValue("rv", i -> "v" + i);
    left.join("join", right, JoinMode.COMPLETE).output("joined", joined);
    run(flow, RunConfig.workers(workers).withSerdeCheck(new JavaSerde()));

    assertThat(copies.items()).containsExactlyInAnyOrderElementsOf(lists);
    // what crossed the exchange is a deserialized copy, not the item itself
    for (ArrayList<Integer> copy : copies.items()) {
      assertThat(lists).noneSatisfy(original -> assertThat(original).isSameAs(copy));
    }
    assertThat(joined.items()).hasSize(20)
        .allSatisfy(kv -> assertThat(kv.value()).isEqualTo(new Joined<>(
            Integer.parseInt(kv.key().substring(1)), "v" + kv.key().substring(1))));
  }

  @Test
  void withoutTheCheckItemsCrossByReference() {
    List<Plain> plains = List.of(new Plain(1), new Plain(2), new Plain(3));
    Dataflow flow = new Dataflow(TestSupport.uniqueName("by-reference"));
    ListSink<Plain> sink = new ListSink<>();
    flow.input("in", IterableSource.of(plains)).redistribute("spread").output("out", sink);
    run(flow, 2);
    assertThat(sink.items()).hasSize(3).allSatisfy(p -> assertThat(plains).anySatisfy(o -> assertThat(o).isSameAs(p)));
  }

  @Test
  void aSerializableUserTypePassesOnceItsPackageIsAllowed() {
    Dataflow flow = new Dataflow(TestSupport.uniqueName("allowed"));
    ListSink<Point> sink = new ListSink<>();
    flow.input("in", IterableSource.of(TestSupport.ints(30)))
        .map("point", i -> new Point(i, -i))
        .redistribute("spread")
        .output("out", sink);
    run(flow, RunConfig.workers(4).withSerdeCheck(new JavaSerde(List.of("io.sluice.serde."))));
    assertThat(sink.items()).hasSize(30).contains(new Point(7, -7));
  }

  @Test
  void aSerializableUserTypeOutsideTheAllowListIsRefusedNamingTheType() {
    Dataflow flow = new Dataflow(TestSupport.uniqueName("refused"));
    flow.input("in", IterableSource.of(TestSupport.ints(30)))
        .map("point", i -> new Point(i, -i))
        .redistribute("spread")
        .output("out", new ListSink<>());
    StepFailedException e = expectFailure(flow, RunConfig.workers(2).withSerdeCheck(new JavaSerde()));
    assertThat(e.stepId()).isEqualTo("spread");
    assertThat(e).hasMessageContaining(Point.class.getName());
  }

  @Test
  void javaSerdeRoundTripsAndNamesTypesItCannotHandle() {
    JavaSerde serde = new JavaSerde();
    Map<String, List<Integer>> m = Map.of("a", List.of(1, 2));
    assertThat(serde.roundTrip(m)).isEqualTo(m).isNotSameAs(m);
    assertThat(serde.roundTrip(KV.of("k", 1L))).isEqualTo(KV.of("k", 1L));
    assertThatThrownBy(() -> serde.serialize(new Plain(1)))
        .isInstanceOf(SerdeException.class)
        .hasMessageContaining(Plain.class.getName());
    byte[] point = new JavaSerde(List.of("io.sluice.serde.")).serialize(new Point(1, 2));
    assertThatThrownBy(() -> serde.deserialize(point))
        .isInstanceOf(SerdeException.class)
        .hasMessageContaining(Point.class.getName());
    assertThat(new JavaSerde(List.of("io.sluice.serde.")).deserialize(point)).isEqualTo(new Point(1, 2));
  }
}
