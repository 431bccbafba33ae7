package io.sluice.run;

import io.sluice.serde.Serde;
import io.sluice.transport.TransportFactory;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Objects;

/**
 * How to run a dataflow: workers per process, the cluster, and the runtime's knobs. Immutable;
 * each {@code with*} method returns a changed copy.
 *
 * @param workersPerProcess       worker threads in this process (at least 1)
 * @param processId               this process's index in {@code addresses}, 0-based
 * @param addresses               {@code host:port} of every process of the cluster; empty for one process
 * @param epochInterval           how long an epoch lasts (the snapshot interval with recovery); zero closes an
 *                                epoch after every source batch; items carry the epoch they were read in
 * @param slowActivationThreshold an activation of one step longer than this is logged as a warning
 *                                and listed in {@link RunResult#slowActivations()}
 * @param channelCapacity         batches each worker-to-worker channel holds before the sender waits
 *                                (see also {@code channelItems})
 * @param recordKeys              whether keyed steps record the keys each worker saw (for tests)
 * @param serdeCheck              if non-null, every exchanged item round-trips through this serde,
 *                                even inside one process
 * @param serde                   how items cross processes; null for the transport's default, which
 *                                creates only JDK value types, Sluice's own and the flow's
 *                                {@link io.sluice.dataflow.Dataflow#registerTypes registered types}
 * @param transport               how processes reach each other; null to find one with {@link java.util.ServiceLoader}
 * @param idle                    how the workers, the transport's poller and the media driver wait
 *                                when they find no work: {@link IdleProfile#THROUGHPUT} (the default)
 *                                or {@link IdleProfile#LATENCY}, or explicit {@link Backoff}s
 * @param clock                   the run's time source when time is not virtual (the system clock by default); step
 *                                code reads it through {@link io.sluice.time.RunClock#now()}
 * @param virtualTimeOrigin       if non-null, the run uses virtual time starting at this instant: time moves only
 *                                when sources advance it (see {@link #withVirtualTime})
 * @param recovery                where and how often to snapshot state for recovery; null for no recovery
 * @param hook                    test hook for crash injection ({@link RunHook}); null in production
 * @param observer                watches the run (metrics, health; see {@link RunObserver}), or null
 * @param channelItems            if positive, each worker-to-worker channel also refuses batches while
 *                                it holds this many items or more (so it holds at most
 *                                {@code channelItems - 1} items plus one batch); 0 bounds it in
 *                                batches only ({@code channelCapacity})
 * @param emitObserver            if non-null, sees every batch every step emits (test tooling); null by default
 */
public record RunConfig(
    int workersPerProcess,
    int processId,
    List<String> addresses,
    Duration epochInterval,
    Duration slowActivationThreshold,
    int channelCapacity,
    boolean recordKeys,
    Serde serdeCheck,
    Serde serde,
    TransportFactory transport,
    IdleProfile idle,
    InstantSource clock,
    Instant virtualTimeOrigin,
    RecoveryConfig recovery,
    RunHook hook,
    RunObserver observer,
    int channelItems,
    EmitObserver emitObserver) {

  public RunConfig {
    if (workersPerProcess < 1) {
      throw new IllegalArgumentException("workers per process must be at least 1, got " + workersPerProcess);
    }
    addresses = List.copyOf(addresses);
    int processes = Math.max(1, addresses.size());
    if (processId < 0 || processId >= processes) {
      throw new IllegalArgumentException("process id must be in [0, " + processes + "), got " + processId
          + (addresses.isEmpty() ? " (no addresses given)" : " for " + processes + " addresses"));
    }
    for (String a : addresses) {
      checkAddress(a);
    }
    Objects.requireNonNull(epochInterval, "epochInterval");
    if (epochInterval.isNegative()) {
      throw new IllegalArgumentException("epoch interval cannot be negative, got " + epochInterval);
    }
    Objects.requireNonNull(slowActivationThreshold, "slowActivationThreshold");
    if (channelCapacity < 2) {
      throw new IllegalArgumentException("channel capacity must be at least 2 batches, got " + channelCapacity);
    }
    Objects.requireNonNull(idle, "idle");
    Objects.requireNonNull(clock, "clock");
    if (channelItems < 0) {
      throw new IllegalArgumentException("channel items must be 0 (no item bound) or positive, got " + channelItems);
    }
  }

  /** Checks a {@code host:port} address, with a message saying what is wrong. */
  public static void checkAddress(String address) {
    int colon = address == null ? -1 : address.lastIndexOf(':');
    if (colon <= 0 || colon == address.length() - 1) {
      throw new IllegalArgumentException("malformed address '" + address + "': expected host:port");
    }
    int port;
    try {
      port = Integer.parseInt(address.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("malformed address '" + address + "': port is not a number");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("malformed address '" + address + "': port must be 1-65535");
    }
  }

  /**
   * One process with {@code workersPerProcess} workers; 10 s epochs, 1 s slow-activation threshold,
   * 16-batch channels without an item bound, the {@link IdleProfile#THROUGHPUT} idle profile.
   */
  public static RunConfig workers(int workersPerProcess) {
    return new RunConfig(workersPerProcess, 0, List.of(), Duration.ofSeconds(10), Duration.ofSeconds(1), 16, false,
        null, null, null, IdleProfile.THROUGHPUT, InstantSource.system(), null, null, null, null, 0, null);
  }

  /** Processes in the cluster. */
  public int processes() {
    return Math.max(1, addresses.size());
  }

  /** Total workers in the cluster: processes × workers per process. */
  public int workerCount() {
    return processes() * workersPerProcess;
  }

  public RunConfig withWorkers(int n) {
    return copy(b -> b.workersPerProcess = n);
  }

  /** This process is {@code processId} of the processes at {@code addresses}. */
  public RunConfig withCluster(int processId, List<String> addresses) {
    return copy(b -> {
      b.processId = processId;
      b.addresses = addresses;
    });
  }

  public RunConfig withEpochInterval(Duration d) {
    return copy(b -> b.epochInterval = d);
  }

  public RunConfig withSlowActivationThreshold(Duration d) {
    return copy(b -> b.slowActivationThreshold = d);
  }

  public RunConfig withChannelCapacity(int batches) {
    return copy(b -> b.channelCapacity = batches);
  }

  public RunConfig withRecordKeys(boolean record) {
    return copy(b -> b.recordKeys = record);
  }

  public RunConfig withSerdeCheck(Serde check) {
    return copy(b -> b.serdeCheck = check);
  }

  public RunConfig withSerde(Serde s) {
    return copy(b -> b.serde = s);
  }

  public RunConfig withTransport(TransportFactory t) {
    return copy(b -> b.transport = t);
  }

  /** How the run's polling threads wait with no work: {@link IdleProfile#LATENCY}, {@link IdleProfile#THROUGHPUT} or your own. */
  public RunConfig withIdle(IdleProfile profile) {
    return copy(b -> b.idle = profile);
  }

  /**
   * Bounds each worker-to-worker channel in items as well: a sender waits while the channel holds
   * {@code items} or more (0: batches only). With small batches this keeps a channel short in items;
   * the batch bound ({@link #withChannelCapacity}) still applies.
   */
  public RunConfig withChannelItems(int items) {
    return copy(b -> b.channelItems = items);
  }

  /** Watches the run with {@code o} (e.g. {@code SluiceMetrics.serve(9090)} from {@code sluice-metrics}); null for none. */
  public RunConfig withObserver(RunObserver o) {
    return copy(b -> b.observer = o);
  }

  /**
   * Reads time from {@code clock} (for timers, collect timeouts, epochs, source wake-ups, system-time
   * windows) instead of the system clock. Ignored under {@link #withVirtualTime virtual time}.
   */
  public RunConfig withClock(InstantSource clock) {
    return copy(b -> b.clock = clock);
  }

  /**
   * Runs on virtual time starting at {@code origin}, as the testkit does: time moves only when a
   * source partition advances it (its {@code nextAwake} lies ahead: a test script's {@code advance}
   * or {@code pause}), and each step instance sees the smallest time all its inputs have passed, so
   * timers and windows fire at the same points in every run and at every worker count. Under
   * virtual time an epoch closes at every time advance (and every {@link #epochInterval} of virtual
   * time; after every batch if the interval is zero). {@code null} returns to the clock.
   */
  public RunConfig withVirtualTime(Instant origin) {
    return copy(b -> b.virtualTimeOrigin = origin);
  }

  /** Snapshots state to a recovery store and resumes from it ({@link RecoveryConfig}); null turns recovery off. */
  public RunConfig withRecovery(RecoveryConfig recovery) {
    return copy(b -> b.recovery = recovery);
  }

  /** Calls {@code hook} where a test may inject a crash; null for none. */
  public RunConfig withHook(RunHook hook) {
    return copy(b -> b.hook = hook);
  }

  /** Whether the run uses virtual time. */
  public boolean virtualTime() {
    return virtualTimeOrigin != null;
  }

  /** A copy whose steps show every batch they emit to {@code observer} (null: none). */
  public RunConfig withEmitObserver(EmitObserver observer) {
    return copy(b -> b.emitObserver = observer);
  }

  /** A copy with the changes {@code change} makes; one place lists the components, so adding one touches one line here. */
  private RunConfig copy(java.util.function.Consumer<Fields> change) {
    Fields b = new Fields(this);
    change.accept(b);
    return b.build();
  }

  /** The components, mutable, for {@link #copy}. */
  private static final class Fields {
    int workersPerProcess;
    int processId;
    List<String> addresses;
    Duration epochInterval;
    Duration slowActivationThreshold;
    int channelCapacity;
    boolean recordKeys;
    Serde serdeCheck;
    Serde serde;
    TransportFactory transport;
    IdleProfile idle;
    InstantSource clock;
    Instant virtualTimeOrigin;
    RecoveryConfig recovery;
    RunHook hook;
    RunObserver observer;
    int channelItems;
    EmitObserver emitObserver;

    Fields(RunConfig c) {
      workersPerProcess = c.workersPerProcess;
      processId = c.processId;
      addresses = c.addresses;
      epochInterval = c.epochInterval;
      slowActivationThreshold = c.slowActivationThreshold;
      channelCapacity = c.channelCapacity;
      recordKeys = c.recordKeys;
      serdeCheck = c.serdeCheck;
      serde = c.serde;
      transport = c.transport;
      idle = c.idle;
      clock = c.clock;
      virtualTimeOrigin = c.virtualTimeOrigin;
      recovery = c.recovery;
      hook = c.hook;
      observer = c.observer;
      channelItems = c.channelItems;
      emitObserver = c.emitObserver;
    }

    RunConfig build() {
      return new RunConfig(
          workersPerProcess,
          processId,
          addresses,
          epochInterval,
          slowActivationThreshold,
          channelCapacity,
          recordKeys,
          serdeCheck,
          serde,
          transport,
          idle,
          clock,
          virtualTimeOrigin,
          recovery,
          hook,
          observer,
          channelItems,
          emitObserver);
    }
  }
}
