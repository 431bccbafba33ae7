package io.sluice.transport;

import io.sluice.run.IdleProfile;
import io.sluice.serde.Serde;
import java.util.List;
import java.util.Map;

/**
 * Everything a transport needs to know about the cluster and the run, identical in every process
 * except {@code processId}.
 *
 * @param processId         this process's index
 * @param addresses         every process's {@code host:port}, indexed by process id
 * @param workersPerProcess worker threads per process; global worker = processId × this + local index
 * @param stepIds           every step's id, in plan order (for messages)
 * @param exchangeSteps     indexes (in plan order) of the steps that exchange items
 * @param flowSignature     identifies the dataflow (name and step ids); peers must agree on it
 * @param serde             turns batches into bytes and back, as configured; null lets the transport
 *                          choose its default
 * @param registeredTypes   item types the flow registered ({@code Dataflow.registerTypes}); the only
 *                          user types a default serde may create from bytes
 * @param partitions        what this process listed for each step with fixed partitions (by step
 *                          index); processes may differ (e.g. files on their own disks), so the
 *                          transport exchanges these at start
 * @param idle              how the transport's poller and media driver wait with no work, and which
 *                          threads run them ({@code IdleProfile.threading()}; the run's
 *                          {@code RunConfig.idle()}); may differ between processes
 */
public record ClusterSpec(int processId, List<String> addresses, int workersPerProcess, List<String> stepIds,
    List<Integer> exchangeSteps,
    String flowSignature, Serde serde, List<String> registeredTypes, Map<Integer, List<String>> partitions,
    IdleProfile idle) {

  /** A spec with the default {@link IdleProfile#THROUGHPUT} idle profile. */
  public ClusterSpec(int processId, List<String> addresses, int workersPerProcess, List<String> stepIds,
      List<Integer> exchangeSteps, String flowSignature, Serde serde, List<String> registeredTypes,
      Map<Integer, List<String>> partitions) {
    this(processId, addresses, workersPerProcess, stepIds, exchangeSteps, flowSignature, serde, registeredTypes,
        partitions, IdleProfile.THROUGHPUT);
  }

  public ClusterSpec {
    java.util.Objects.requireNonNull(idle, "idle");
    addresses = List.copyOf(addresses);
    stepIds = List.copyOf(stepIds);
    exchangeSteps = List.copyOf(exchangeSteps);
    registeredTypes = List.copyOf(registeredTypes);
    partitions = Map.copyOf(partitions);
  }

  public int processes() {
    return addresses.size();
  }

  /** The process that runs global worker {@code worker}. */
  public int processOf(int worker) {
    return worker / workersPerProcess;
  }
}
