package io.sluice.outputs;

import static io.sluice.TestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.TestSupport;
import io.sluice.connectors.IterableSource;
import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.KV;
import io.sluice.inputs.PartitionAssignment;
import io.sluice.inputs.Routing;
import io.sluice.run.RunResult;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A fixed-partitioned sink: every item reaches its partition, each partition written by its one worker. */
class FixedPartitionedSinkTest {

  /** Three partitions; records what each received and from which threads. */
  static final class RecordingSink implements FixedPartitionedSink<KV<String, Integer>, Void> {
    final Map<String, List<KV<String, Integer>>> received = new ConcurrentHashMap<>();
    final Map<String, Set<String>> threads = new ConcurrentHashMap<>();
    final Map<String, Integer> opened = new ConcurrentHashMap<>();

    @Override
    public List<String> listPartitions() {
      return List.of("red", "green", "blue");
    }

    @Override
    public SinkPartition<KV<String, Integer>, Void> buildPartition(String stepId, String partition, Void resume) {
      opened.merge(partition, 1, Integer::sum);
      List<KV<String, Integer>> mine = received.computeIfAbsent(partition, p -> new CopyOnWriteArrayList<>());
      Set<String> who = threads.computeIfAbsent(partition, p -> ConcurrentHashMap.newKeySet());
      return new SinkPartition<>() {
        @Override
        public void writeBatch(List<KV<String, Integer>> items) {
          who.add(Thread.currentThread().getName());
          mine.addAll(items);
        }

        @Override
        public Void snapshot() {
          return null;
        }
      };
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4, 16})
  void everyItemReachesItsPartitionOnThePartitionsWorker(int workers) {
    RecordingSink sink = new RecordingSink();
    Dataflow flow = new Dataflow("fixed-sink");
    flow.input("in", IterableSource.of(TestSupport.ints(900), 11))
        .redistribute("spread")
        .map("kv", i -> KV.of("key" + (i % 30), i))
        .output("out", sink);
    RunResult r = run(flow, workers);

    Map<String, Integer> owner = PartitionAssignment.assign(sink.listPartitions(), workers);
    List<String> partitions = sink.listPartitions();
    int total = 0;
    for (String p : partitions) {
      assertThat(sink.opened.get(p)).as("times %s was opened", p).isEqualTo(1);
      List<KV<String, Integer>> got = sink.received.get(p);
      total += got.size();
      for (KV<String, Integer> kv : got) {
        int expected = Math.floorMod(Routing.hash(kv.key()), 3);
        assertThat(partitions.get(expected)).as("partition of %s", kv).isEqualTo(p);
      }
      if (!got.isEmpty()) {
        assertThat(sink.threads.get(p)).containsExactly("sluice-fixed-sink-worker-" + owner.get(p));
      }
    }
    assertThat(total).isEqualTo(900);
    assertThat(r.step("out").totalIn()).isEqualTo(900);
  }
}
