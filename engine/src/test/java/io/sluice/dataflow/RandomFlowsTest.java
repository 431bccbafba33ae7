package io.sluice.dataflow;

import static org.junit.jupiter.api.Assertions.fail;

import io.sluice.TestSupport;
import io.sluice.connectors.IterableSource;
import io.sluice.connectors.ListSink;
import io.sluice.inputs.Routing;
import io.sluice.run.RunConfig;
import io.sluice.run.RunResult;
import io.sluice.serde.JavaSerde;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Differential test over randomly generated dataflows: what a flow produces must not depend on
 * how many workers run it. Each seed builds a reproducible flow (a partitioned input of small ints
 * and short strings, then a random DAG of stateless, keyed and join steps); the flow is run at 1,
 * 2, 3, 4 and 7 workers, and every run at more than one worker must match the 1-worker run:
 * <ul>
 *   <li>every output and every inspect step sees the same multiset of items;</li>
 *   <li>where the order is defined, each <em>lane</em> (below) holds the same sequence of items,
 *       and at an inspect step all of a lane's items are on one worker;</li>
 *   <li>every keyed stateful step processes the same keys, each only on
 *       {@link Routing#workerFor(Object, int) its owner};</li>
 *   <li>every per-key function of a keyed step sees, per key, the same values: in the same order
 *       where the order is defined, else the same multiset.</li>
 * </ul>
 *
 * <p>The generator only builds flows whose results are defined, i.e. independent of the worker
 * count and of how batches interleave. Every item belongs to a lane: first its source partition,
 * after a keyed stateful step its key. A stream is <em>sequential</em> when each lane's items are on
 * one worker in an order that does not depend on the run; the engine keeps that through stateless
 * steps (a branch or a merge of streams with disjoint lanes too), and loses it at redistribute and
 * at a merge of overlapping lanes. Order-sensitive keyed steps (running sums, hash chains, "last
 * value", concatenation, collect, a join in FINAL mode of raw values) are generated only on
 * sequential input keyed by a key that includes the lane, so each key's values come from one
 * worker in a defined order; elsewhere only order-insensitive steps are generated (counts, sums,
 * max, min, running counts, joins of per-key totals). No timers fire (collect's timeout is an
 * hour), nothing sleeps, and every run is bounded by {@link TestSupport#BOUND}.
 *
 * <p>A failure message names the seed, the worker count and the generated flow. To replay or to
 * search more seeds: {@code -Dsluice.randomFlows.seeds=17} or {@code -Dsluice.randomFlows.seeds=0..2000}
 * (end exclusive).
 */
class RandomFlowsTest {
  private static final int[] WORKER_COUNTS = {1, 2, 3, 4, 7};
  private static final String SEEDS_PROPERTY = "sluice.randomFlows.seeds";
  /** Lane sets larger than this are not tracked (the stream counts as having unknown lanes). */
  private static final int MAX_TRACKED_LANES = 4096;

  /** A generated item: the lane it belongs to and its value (an Integer, a Long or a String). */
  record Item(String lane, Object value) implements Serializable {}

  /** A key made of a lane and a bucket of the value; routed by its components. */
  record LaneKey(String lane, int bucket) implements Serializable {}

  /**
   * The generator's own types that may cross processes (as items, values or keys); everything else
   * it puts in items or keys is a JDK type or Sluice's.
   */
  static final List<Class<?>> CROSSING_TYPES = List.of(Item.class, LaneKey.class);

  /** An item an inspect step saw, with the worker it was on. */
  record Seen(int worker, Item item) {}

  static LongStream seeds() {
    return seeds(SEEDS_PROPERTY, "0..40");
  }

  /** The seeds system property {@code property} names ("17", or "0..2000", end exclusive), else {@code defaults}. */
  static LongStream seeds(String property, String defaults) {
    String spec = System.getProperty(property, defaults).trim();
    int dots = spec.indexOf("..");
    if (dots < 0) {
      return LongStream.of(Long.parseLong(spec));
    }
    return LongStream.range(Long.parseLong(spec.substring(0, dots)), Long.parseLong(spec.substring(dots + 2)));
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void outputsDoNotDependOnTheWorkerCount(long seed) {
    Observed reference = runOnce(seed, new InOneProcess(1), SEEDS_PROPERTY);
    for (int workers : WORKER_COUNTS) {
      if (workers != 1) {
        runOnce(seed, new InOneProcess(workers), SEEDS_PROPERTY).assertSameAs(reference);
      }
    }
  }

  /** Where a generated flow's workers run: in one process, or in several (worker indexes are global). */
  interface Deployment {
    int processes();

    int workersPerProcess();

    /** All workers of all processes; keys are placed by {@link Routing#workerFor} over this many. */
    default int workers() {
      return processes() * workersPerProcess();
    }

    /**
     * Runs the flow, built once per process ({@code flows.get(p)} is process p's), with {@code config}
     * ({@link #workersPerProcess()} workers), and returns the statistics of every worker.
     */
    RunResult run(List<Dataflow> flows, RunConfig config);
  }

  /** All workers in this process. */
  record InOneProcess(int workersPerProcess) implements Deployment {
    @Override
    public int processes() {
      return 1;
    }

    @Override
    public RunResult run(List<Dataflow> flows, RunConfig config) {
      return TestSupport.run(flows.get(0), config);
    }

    @Override
    public String toString() {
      return workersPerProcess + " workers";
    }
  }

  /**
   * Builds the flow of {@code seed} afresh, once per process of {@code deployment} (all the builds
   * share one {@link Observed}: what any process's steps see is collected in one place), and runs it.
   *
   * @param seedsProperty the system property to name in failure messages, to replay the seed
   */
  static Observed runOnce(long seed, Deployment deployment, String seedsProperty) {
    Observed obs = new Observed(seed, deployment, seedsProperty);
    List<Dataflow> flows = new ArrayList<>();
    for (int p = 0; p < deployment.processes(); p++) {
      Generator gen = new Generator(seed, obs);
      gen.build();
      flows.add(gen.flow);
    }
    RunResult result;
    try {
      result = deployment.run(flows, obs.config);
    } catch (RuntimeException e) {
      throw new AssertionError(obs.header("the run failed: " + e), e);
    }
    obs.collect(result);
    return obs;
  }

  // ------------------------------------------------------------------ values and functions on them

  /** A number for any value, to compute keys, predicates and sums from (never negative). */
  static int num(Object v) {
    if (v instanceof Integer i) {
      return Math.floorMod(i, 1_000_003);
    }
    if (v instanceof Long l) {
      return (int) Math.floorMod(l, 1_000_003L);
    }
    int h = 0;
    for (char c : String.valueOf(v).toCharArray()) {
      h = h * 7 + c;
    }
    return Math.floorMod(h, 1000);
  }

  /** A short lowercase word for {@code k}: its base-4 digits spelled with "abcd". */
  static String word(int k) {
    char[] digits = Integer.toString(Math.floorMod(k, 256), 4).toCharArray();
    for (int i = 0; i < digits.length; i++) {
      digits[i] = (char) ('a' + digits[i] - '0');
    }
    return new String(digits);
  }

  /** What a keyed step's output value becomes in an item: lists become their string form. */
  static Object plain(Object v) {
    return v instanceof Collection<?> ? String.valueOf(v) : v;
  }

  /** The value inside an item, or the value itself. */
  static Object payload(Object v) {
    return v instanceof Item it ? it.value() : v;
  }

  /** Applies {@code f} to a value, or to the value inside an item (keeping its lane). */
  static Object mapPayload(Object v, UnaryOperator<Object> f) {
    return v instanceof Item it ? new Item(it.lane(), f.apply(it.value())) : f.apply(v);
  }

  /** A named value function, printable in the flow's description. */
  record ValueFn(String name, UnaryOperator<Object> fn) {
    Object apply(Object v) {
      return fn.apply(v);
    }

    static ValueFn random(Random rnd) {
      switch (rnd.nextInt(4)) {
        case 0: {
          int a = 1 + rnd.nextInt(9);
          int b = rnd.nextInt(50);
          return new ValueFn("n*" + a + "+" + b + "%1000", v -> (num(v) * a + b) % 1000);
        }
        case 1: {
          int m = 2 + rnd.nextInt(40);
          return new ValueFn("word(n%" + m + ")", v -> word(num(v) % m));
        }
        case 2:
          return new ValueFn("length|n", v -> v instanceof String s ? s.length() : num(v));
        default:
          return new ValueFn("reverse|n/2", v -> v instanceof String s ? new StringBuilder(s).reverse().toString()
              : num(v) / 2);
      }
    }

    @Override
    public String toString() {
      return name;
    }
  }

  /** A named predicate on values. */
  record ValuePredicate(String name, Predicate<Object> test) {
    static ValuePredicate random(Random rnd) {
      int m = 2 + rnd.nextInt(4);
      int r = rnd.nextInt(m);
      return new ValuePredicate("n%" + m + "!=" + r, v -> num(v) % m != r);
    }

    @Override
    public String toString() {
      return name;
    }
  }

  /** How a keyed step keys items: by lane, by lane and bucket (in several key types), or by bucket only. */
  enum KeyForm { LANE, LANE_RECORD, LANE_LIST, LANE_STRING, BUCKET_INT, BUCKET_LONG, BUCKET_STRING }

  /** A key function, and the lane its key's outputs get (one lane per key). */
  record KeyKind(KeyForm form, int buckets) {
    static KeyKind random(Random rnd, boolean withLane) {
      KeyForm[] forms = KeyForm.values();
      int choices = withLane ? KeyForm.LANE_STRING.ordinal() + 1 : forms.length;
      KeyForm form = forms[rnd.nextInt(choices)];
      return new KeyKind(form, 1 + rnd.nextInt(6));
    }

    boolean includesLane() {
      return form.ordinal() <= KeyForm.LANE_STRING.ordinal();
    }

    int bucket(Item it) {
      return num(it.value()) % buckets;
    }

    Object key(Item it) {
      return switch (form) {
        case LANE -> it.lane();
        case LANE_RECORD -> new LaneKey(it.lane(), bucket(it));
        case LANE_LIST -> List.of(it.lane(), bucket(it));
        case LANE_STRING -> it.lane() + "#" + bucket(it);
        case BUCKET_INT -> bucket(it);
        case BUCKET_LONG -> (long) bucket(it);
        case BUCKET_STRING -> "b" + bucket(it);
      };
    }

    /** The lane of {@code key}'s outputs; distinct keys get distinct lanes. */
    String lane(Object key) {
      return switch (form) {
        case LANE, BUCKET_STRING -> (String) key;
        case LANE_RECORD -> ((LaneKey) key).lane() + "/" + ((LaneKey) key).bucket();
        case LANE_LIST -> ((List<?>) key).get(0) + "/" + ((List<?>) key).get(1);
        case LANE_STRING -> {
          String s = (String) key;
          int hash = s.lastIndexOf('#');
          yield s.substring(0, hash) + "/" + s.substring(hash + 1);
        }
        case BUCKET_INT, BUCKET_LONG -> "b" + key;
      };
    }

    /** The lanes the outputs of a keyed step with this key may be in, given its input's lanes. */
    Set<String> lanes(Set<String> in) {
      Set<String> out = new TreeSet<>();
      if (!includesLane()) {
        for (int b = 0; b < buckets; b++) {
          out.add("b" + b);
        }
        return out;
      }
      if (in == null) {
        return null;
      }
      for (String lane : in) {
        if (form == KeyForm.LANE) {
          out.add(lane);
        } else {
          for (int b = 0; b < buckets; b++) {
            out.add(lane + "/" + b);
          }
        }
      }
      return out.size() > MAX_TRACKED_LANES ? null : out;
    }

    @Override
    public String toString() {
      String bucket = "n%" + buckets;
      return switch (form) {
        case LANE -> "lane";
        case LANE_RECORD -> "LaneKey(lane, " + bucket + ")";
        case LANE_LIST -> "List(lane, " + bucket + ")";
        case LANE_STRING -> "lane#" + bucket;
        case BUCKET_INT -> bucket + " as Integer";
        case BUCKET_LONG -> bucket + " as Long";
        case BUCKET_STRING -> "\"b\"+" + bucket;
      };
    }
  }

  /** The keyed stateful steps the generator uses; order-sensitive ones need a defined per-key order. */
  enum Agg {
    COUNT(false, false), SUM(false, false), MAX(false, false), MIN(false, false), SUM_OF_SQUARES(false, true),
    RUNNING_COUNT(false, true), COUNT_EVERY(false, true), RUNNING_SUM(true, true), SUM_STEPS(true, true),
    HASH_CHAIN(true, true), LAST(true, false), CONCAT(true, false), COLLECT(true, false);

    final boolean orderSensitive;
    /** Whether its per-key function sees every value (nothing is combined before the exchange) and records them. */
    final boolean traced;

    Agg(boolean orderSensitive, boolean traced) {
      this.orderSensitive = orderSensitive;
      this.traced = traced;
    }

    static Agg random(Random rnd, boolean ordered) {
      List<Agg> allowed = new ArrayList<>();
      for (Agg a : values()) {
        if (ordered || !a.orderSensitive) {
          allowed.add(a);
        }
      }
      return allowed.get(rnd.nextInt(allowed.size()));
    }
  }

  // ------------------------------------------------------------------ the generator

  /** A stream of the generated flow and what the generator knows about its order. */
  private static final class Stage {
    final Stream<Item> stream;
    final String name;
    /** The lanes its items may be in, or null when not tracked. */
    final Set<String> lanes;
    /** Whether each lane's items are on one worker, in an order that does not depend on the run. */
    final boolean sequential;
    int readers;

    Stage(Stream<Item> stream, String name, Set<String> lanes, boolean sequential) {
      this.stream = stream;
      this.name = name;
      this.lanes = lanes;
      this.sequential = sequential;
    }
  }

  /** Builds the flow of one seed: the same seed always builds the same flow, with fresh sinks. */
  private static final class Generator {
    private final Random rnd;
    private final Observed obs;
    final Dataflow flow;
    private final StringBuilder plan = new StringBuilder();
    private final List<Stage> pool = new ArrayList<>();
    private int ids;

    Generator(long seed, Observed obs) {
      this.rnd = new Random(seed);
      this.obs = obs;
      this.flow = new Dataflow(obs.flowName);
    }

    void build() {
      int capacity = 2 + rnd.nextInt(15);
      boolean serdeCheck = rnd.nextInt(4) == 0;
      RunConfig config = RunConfig.workers(obs.deployment.workersPerProcess()).withRecordKeys(true)
          .withChannelCapacity(capacity);
      if (serdeCheck && obs.workers > 1) {
        config = config.withSerdeCheck(new JavaSerde());
      }
      plan.append("run config: channel capacity ").append(capacity)
          .append(serdeCheck ? ", serde check above 1 worker" : "").append('\n');
      input("p");
      if (rnd.nextInt(4) == 0) {
        input("q");
      }
      int ops = 1 + rnd.nextInt(6);
      for (int i = 0; i < ops; i++) {
        step();
      }
      for (Stage s : List.copyOf(pool)) {
        if (s.readers == 0 || rnd.nextInt(6) == 0) {
          output(s);
        }
      }
      obs.built(config, plan.toString());
    }

    private String nextId() {
      return "s" + (++ids);
    }

    /** A stage to read: the newest one half of the time, so chains get deep, else any. */
    private Stage pick() {
      Stage s = rnd.nextBoolean() ? pool.get(pool.size() - 1) : pool.get(rnd.nextInt(pool.size()));
      s.readers++;
      return s;
    }

    private Stage add(Stream<Item> stream, String name, Set<String> lanes, boolean sequential, String how) {
      Stage s = new Stage(stream, name, lanes, sequential);
      pool.add(s);
      plan.append(name).append(" = ").append(how).append("   [")
          .append(sequential ? "sequential" : "unordered").append(", lanes ")
          .append(lanes == null ? "?" : lanes.size() <= 8 ? lanes.toString() : lanes.size() + "").append("]\n");
      return s;
    }

    private void step() {
      int r = rnd.nextInt(100);
      if (r < 10) {
        map(pick());
      } else if (r < 17) {
        filter(pick());
      } else if (r < 23) {
        flatMap(pick());
      } else if (r < 29) {
        filterMap(pick());
      } else if (r < 34) {
        inspect(pick());
      } else if (r < 40) {
        redistribute(pick());
      } else if (r < 47) {
        branch(pick());
      } else if (r < 55) {
        merge();
      } else if (r < 87) {
        keyed(pick());
      } else {
        join(pick(), pick());
      }
    }

    private void input(String prefix) {
      int parts = 1 + rnd.nextInt(5);
      int total = rnd.nextInt(301);
      int batch = 1 + rnd.nextInt(50);
      int valueKind = rnd.nextInt(3);
      boolean skewed = rnd.nextInt(4) == 0;
      Map<String, List<Item>> partitions = new LinkedHashMap<>();
      for (int p = 0; p < parts; p++) {
        partitions.put(prefix + p, new ArrayList<>());
      }
      for (int i = 0; i < total; i++) {
        String lane = prefix + (skewed && rnd.nextBoolean() ? 0 : rnd.nextInt(parts));
        boolean number = valueKind == 0 || (valueKind == 2 && rnd.nextBoolean());
        Object value = number ? rnd.nextInt(100) : word(rnd.nextInt(60));
        partitions.get(lane).add(new Item(lane, value));
      }
      String id = nextId();
      Stream<Item> s = flow.input(id, IterableSource.partitioned(partitions, batch));
      String sizes = partitions.entrySet().stream().map(e -> e.getKey() + ":" + e.getValue().size())
          .collect(Collectors.joining(", ", "{", "}"));
      add(s, id, new TreeSet<>(partitions.keySet()), true, "input(" + sizes + " items, batch " + batch + ", "
          + (valueKind == 0 ? "ints" : valueKind == 1 ? "words" : "ints and words") + ")");
    }

    private void map(Stage in) {
      ValueFn f = ValueFn.random(rnd);
      String id = nextId();
      add(in.stream.map(id, it -> new Item(it.lane(), f.apply(it.value()))), id, in.lanes, in.sequential,
          in.name + ".map(" + f + ")");
    }

    private void filter(Stage in) {
      ValuePredicate p = ValuePredicate.random(rnd);
      String id = nextId();
      add(in.stream.filter(id, it -> p.test().test(it.value())), id, in.lanes, in.sequential,
          in.name + ".filter(" + p + ")");
    }

    private void flatMap(Stage in) {
      String id = nextId();
      Function<Object, List<Object>> fn;
      String name;
      if (rnd.nextBoolean()) {
        fn = v -> Collections.nCopies(num(v) % 3, v);
        name = "n%3 copies";
      } else {
        ValueFn f = ValueFn.random(rnd);
        fn = v -> List.of(v, f.apply(v));
        name = "[v, " + f + "]";
      }
      add(in.stream.flatMap(id, it -> fn.apply(it.value()).stream().map(v -> new Item(it.lane(), v)).toList()),
          id, in.lanes, in.sequential, in.name + ".flatMap(" + name + ")");
    }

    private void filterMap(Stage in) {
      ValuePredicate p = ValuePredicate.random(rnd);
      ValueFn f = ValueFn.random(rnd);
      String id = nextId();
      add(in.stream.filterMap(id, it -> p.test().test(it.value())
              ? Optional.of(new Item(it.lane(), f.apply(it.value()))) : Optional.empty()),
          id, in.lanes, in.sequential, in.name + ".filterMap(" + p + " ? " + f + ")");
    }

    private void inspect(Stage in) {
      String id = nextId();
      Tap tap = obs.inspectTap(id, in.sequential);
      add(in.stream.inspect(id, (Item it, int worker, long epoch) -> tap.seen.add(new Seen(worker, it))), id,
          in.lanes, in.sequential, in.name + ".inspect()");
    }

    private void redistribute(Stage in) {
      String id = nextId();
      add(in.stream.redistribute(id), id, in.lanes, false, in.name + ".redistribute()");
    }

    private void branch(Stage in) {
      String id = nextId();
      Predicate<Item> p;
      String name;
      Set<String> trueLanes = null;
      Set<String> falseLanes = null;
      if (rnd.nextBoolean()) {
        ValuePredicate vp = ValuePredicate.random(rnd);
        p = it -> vp.test().test(it.value());
        name = vp.name();
        trueLanes = in.lanes;
        falseLanes = in.lanes;
      } else {
        int m = 2 + rnd.nextInt(2);
        int r = rnd.nextInt(m);
        Predicate<String> byLane = lane -> Math.floorMod(lane.hashCode(), m) == r;
        p = it -> byLane.test(it.lane());
        name = "lane.hashCode%" + m + "==" + r;
        if (in.lanes != null) {
          trueLanes = in.lanes.stream().filter(byLane).collect(Collectors.toCollection(TreeSet::new));
          falseLanes = in.lanes.stream().filter(byLane.negate()).collect(Collectors.toCollection(TreeSet::new));
        }
      }
      Branched<Item> b = in.stream.branch(id, p);
      add(b.trues(), id + "#true", trueLanes, in.sequential, in.name + ".branch(" + name + ").trues");
      add(b.falses(), id + "#false", falseLanes, in.sequential, in.name + ".branch(" + name + ").falses");
    }

    /** Merges two or three stages (possibly one with itself); sequential if their lanes are disjoint. */
    private void merge() {
      List<Stage> ins = new ArrayList<>(List.of(pick(), pick()));
      if (rnd.nextInt(4) == 0) {
        ins.add(pick());
      }
      boolean sequential = true;
      Set<String> lanes = new TreeSet<>();
      for (Stage s : ins) {
        sequential &= s.sequential && s.lanes != null && lanes != null && disjoint(lanes, s.lanes);
        if (s.lanes == null || lanes == null) {
          lanes = null;
        } else {
          lanes.addAll(s.lanes);
        }
      }
      String id = nextId();
      Stream<Item> out;
      String how;
      if (ins.size() == 2 && rnd.nextBoolean()) {
        out = ins.get(0).stream.merge(id, ins.get(1).stream);
        how = ins.get(0).name + ".merge(" + ins.get(1).name + ")";
      } else {
        @SuppressWarnings("unchecked")
        Stream<Item>[] streams = ins.stream().map(s -> s.stream).toArray(Stream[]::new);
        out = flow.merge(id, streams);
        how = "merge(" + ins.stream().map(s -> s.name).collect(Collectors.joining(", ")) + ")";
      }
      add(out, id, lanes, sequential, how);
    }

    private static boolean disjoint(Set<String> a, Set<String> b) {
      for (String s : b) {
        if (a.contains(s)) {
          return false;
        }
      }
      return true;
    }

    /**
     * keyOn, then up to two of filterValue / inspect / redistribute, one keyed stateful step, up to
     * two of mapValue / flatMapValue / filterValue on its output, and back to items (keyRm or map), each output in
     * its key's lane. Or, now and then, countFinal straight on the items.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private void keyed(Stage in) {
      KeyKind kind = KeyKind.random(rnd, false);
      StringBuilder how = new StringBuilder(in.name);
      KeyedStream<Object, ?> out;
      boolean itemValued = false;
      if (rnd.nextInt(6) == 0) {
        String id = nextId();
        out = in.stream.countFinal(id, kind::key);
        obs.statefulStep(id);
        how.append(".countFinal(").append(kind).append(")@").append(id);
      } else {
        String keyId = nextId();
        KeyedStream<Object, Item> keyed = in.stream.keyOn(keyId, kind::key);
        how.append(".keyOn(").append(kind).append(")@").append(keyId);
        boolean sequential = in.sequential;
        for (int i = rnd.nextInt(3); i > 0; i--) {
          String id = nextId();
          switch (rnd.nextInt(3)) {
            case 0 -> {
              ValuePredicate p = ValuePredicate.random(rnd);
              keyed = keyed.filterValue(id, it -> p.test().test(it.value()));
              how.append(".filterValue(").append(p).append(")@").append(id);
            }
            case 1 -> {
              Tap tap = obs.inspectTap(id, sequential);
              keyed = keyed.inspect(id, (KV<Object, Item> kv, int worker, long epoch) ->
                  tap.seen.add(new Seen(worker, kv.value())));
              how.append(".inspect()@").append(id);
            }
            default -> {
              keyed = keyed.redistribute(id);
              sequential = false;
              how.append(".redistribute()@").append(id);
            }
          }
        }
        boolean ordered = sequential && kind.includesLane();
        Agg agg = Agg.random(rnd, ordered);
        String[] stepId = new String[1];
        out = stateful(keyed, kind, agg, ordered, how, stepId);
        obs.statefulStep(stepId[0]);
        itemValued = agg == Agg.RUNNING_COUNT || agg == Agg.COUNT_EVERY || agg == Agg.RUNNING_SUM
            || agg == Agg.SUM_STEPS;
      }
      KeyedStream<Object, Object> values = (KeyedStream<Object, Object>) (KeyedStream) out;
      for (int i = rnd.nextInt(3); i > 0; i--) {
        String id = nextId();
        int op = rnd.nextInt(3);
        if (op == 0) {
          ValueFn f = ValueFn.random(rnd);
          values = values.mapValue(id, v -> mapPayload(v, f.fn()));
          how.append(".mapValue(").append(f).append(")@").append(id);
        } else if (op == 1) {
          ValueFn f = ValueFn.random(rnd);
          values = values.flatMapValue(id, v -> List.of(v, mapPayload(v, f.fn())));
          how.append(".flatMapValue([v, ").append(f).append("])@").append(id);
        } else {
          ValuePredicate p = ValuePredicate.random(rnd);
          values = values.filterValue(id, v -> p.test().test(payload(v)));
          how.append(".filterValue(").append(p).append(")@").append(id);
        }
      }
      String id = nextId();
      Stream<Item> items;
      if (itemValued) {
        items = (Stream<Item>) (Stream) values.keyRm(id);
        how.append(".keyRm()");
      } else {
        items = values.map(id, kv -> new Item(kind.lane(kv.key()), plain(kv.value())));
        how.append(".map(kv -> Item(lane of key, value))");
      }
      add(items, id, kind.lanes(in.lanes), true, how.toString());
    }

    /** Adds the keyed stateful step {@code agg}; its (main) step id goes to {@code stepId[0]}. */
    private KeyedStream<Object, ?> stateful(KeyedStream<Object, Item> keyed, KeyKind kind, Agg agg,
        boolean ordered, StringBuilder how, String[] stepId) {
      Trace trace = agg.traced ? obs.trace(ids, ordered, kind) : null;
      if (trace != null && ordered) {
        String probeId = nextId();
        keyed = keyed.inspect(probeId, (KV<Object, Item> kv, int worker, long epoch) -> trace.sent(kv.value()));
        how.append(".inspect(order probe)@").append(probeId);
      }
      String id;
      KeyedStream<Object, ?> out;
      switch (agg) {
        case COUNT -> {
          id = nextId();
          out = keyed.countFinal(id, KV::key);
          how.append(".countFinal()");
        }
        case SUM -> {
          String v = nextId();
          id = nextId();
          out = keyed.mapValue(v, it -> (long) num(it.value())).reduceFinal(id, Long::sum);
          how.append(".mapValue(n).reduceFinal(sum)");
        }
        case MAX, MIN -> {
          String v = nextId();
          id = nextId();
          boolean max = agg == Agg.MAX;
          if (rnd.nextBoolean()) {
            KeyedStream<Object, String> texts = keyed.mapValue(v, it -> String.valueOf(it.value()));
            out = max ? texts.maxFinal(id, Comparator.naturalOrder()) : texts.minFinal(id, Comparator.naturalOrder());
            how.append(".mapValue(text).").append(max ? "maxFinal" : "minFinal").append("()");
          } else {
            KeyedStream<Object, Integer> nums = keyed.mapValue(v, it -> num(it.value()));
            out = max ? nums.maxFinal(id, Comparator.naturalOrder()) : nums.minFinal(id, Comparator.naturalOrder());
            how.append(".mapValue(n).").append(max ? "maxFinal" : "minFinal").append("()");
          }
        }
        case SUM_OF_SQUARES -> {
          id = nextId();
          out = keyed.foldFinal(id, () -> 0L, (Long acc, Item it) -> {
            trace.record(kind.key(it), it);
            long n = num(it.value());
            return acc + n * n;
          });
          how.append(".foldFinal(sum of n*n)");
        }
        case RUNNING_COUNT -> {
          id = nextId();
          int reset = rnd.nextInt(3) == 0 ? 2 + rnd.nextInt(5) : 0;
          out = keyed.statefulMap(id, (ValueState<Integer> state, Item it) -> {
            trace.record(kind.key(it), it);
            int c = state.getOrDefault(0) + 1;
            if (reset > 0 && c >= reset) {
              state.clear();
            } else {
              state.set(c);
            }
            return new Item(kind.lane(kind.key(it)), c);
          });
          how.append(".statefulMap(running count").append(reset > 0 ? ", cleared at " + reset : "").append(")");
        }
        case COUNT_EVERY -> {
          id = nextId();
          int every = 1 + rnd.nextInt(4);
          out = keyed.statefulFlatMap(id, (ValueState<Integer> state, Item it) -> {
            trace.record(kind.key(it), it);
            int c = state.getOrDefault(0) + 1;
            state.set(c);
            String lane = kind.lane(kind.key(it));
            return c % every == 0 ? List.of(new Item(lane, c), new Item(lane, word(c))) : List.<Item>of();
          });
          how.append(".statefulFlatMap(count, emit every ").append(every).append(")");
        }
        case RUNNING_SUM -> {
          id = nextId();
          long limit = rnd.nextBoolean() ? 100 + rnd.nextInt(900) : Long.MAX_VALUE;
          out = keyed.statefulMap(id, (ValueState<Long> state, Item it) -> {
            trace.record(kind.key(it), it);
            long sum = state.getOrDefault(0L) + num(it.value());
            if (sum > limit) {
              state.clear();
            } else {
              state.set(sum);
            }
            return new Item(kind.lane(kind.key(it)), sum);
          });
          how.append(".statefulMap(running sum").append(limit < Long.MAX_VALUE ? ", cleared above " + limit : "")
              .append(")");
        }
        case SUM_STEPS -> {
          id = nextId();
          out = keyed.statefulFlatMap(id, (ValueState<Long> state, Item it) -> {
            trace.record(kind.key(it), it);
            long sum = state.getOrDefault(0L) + num(it.value());
            state.set(sum);
            String lane = kind.lane(kind.key(it));
            return num(it.value()) % 3 == 0 ? List.of(new Item(lane, it.value()), new Item(lane, sum))
                : List.of(new Item(lane, sum));
          });
          how.append(".statefulFlatMap(running sum, with the value when n%3==0)");
        }
        case HASH_CHAIN -> {
          id = nextId();
          out = keyed.foldFinal(id, () -> 17L, (Long acc, Item it) -> {
            trace.record(kind.key(it), it);
            return acc * 31 + num(it.value());
          });
          how.append(".foldFinal(acc*31+n)");
        }
        case LAST -> {
          String v = nextId();
          id = nextId();
          out = keyed.mapValue(v, Item::value).reduceFinal(id, (a, b) -> b);
          how.append(".mapValue(value).reduceFinal(last)");
        }
        case CONCAT -> {
          String v = nextId();
          id = nextId();
          out = keyed.mapValue(v, it -> String.valueOf(it.value())).reduceFinal(id, (a, b) -> a + "," + b);
          how.append(".mapValue(text).reduceFinal(a+\",\"+b)");
        }
        case COLLECT -> {
          String v = nextId();
          id = nextId();
          int size = 1 + rnd.nextInt(5);
          out = keyed.mapValue(v, Item::value).collect(id, size, Duration.ofHours(1));
          how.append(".mapValue(value).collect(").append(size).append(", 1h)");
        }
        default -> throw new IllegalStateException("unknown " + agg);
      }
      how.append("@").append(id);
      stepId[0] = id;
      if (trace != null) {
        obs.traces.put(id, trace);
      }
      return out;
    }

    /**
     * Joins two stages by a common key: raw values in FINAL mode when both are sequential and the
     * key includes the lane (each side's per-key order is defined), else per-key totals of each side
     * (a count and a sum, one value per key) in FINAL or COMPLETE mode.
     */
    private void join(Stage left, Stage right) {
      Set<String> lanes = null;
      if (left.lanes != null && right.lanes != null) {
        lanes = new TreeSet<>(left.lanes);
        lanes.addAll(right.lanes);
      }
      String how;
      String joinId;
      String outId;
      Stream<Item> out;
      KeyKind kind;
      if (left.sequential && right.sequential && rnd.nextBoolean()) {
        kind = KeyKind.random(rnd, true);
        KeyedStream<Object, Item> l = left.stream.keyOn(nextId(), kind::key);
        KeyedStream<Object, Item> r = right.stream.keyOn(nextId(), kind::key);
        joinId = nextId();
        KeyedStream<Object, Joined<Item, Item>> joined = l.join(joinId, r, JoinMode.FINAL);
        how = left.name + ".keyOn(" + kind + ").join(" + right.name + ".keyOn(" + kind + "), FINAL)@" + joinId;
        outId = nextId();
        out = joined.map(outId, kv -> new Item(kind.lane(kv.key()), joinedText(kv.value())));
      } else {
        kind = KeyKind.random(rnd, false);
        JoinMode mode = rnd.nextBoolean() ? JoinMode.FINAL : JoinMode.COMPLETE;
        String countId = nextId();
        KeyedStream<Object, Long> counts = left.stream.countFinal(countId, kind::key);
        String sumId = nextId();
        KeyedStream<Object, Long> sums = right.stream.keyOn(nextId(), kind::key)
            .mapValue(nextId(), it -> (long) num(it.value())).reduceFinal(sumId, Long::sum);
        obs.statefulStep(countId);
        obs.statefulStep(sumId);
        joinId = nextId();
        KeyedStream<Object, Joined<Long, Long>> joined = counts.join(joinId, sums, mode);
        how = left.name + ".countFinal(" + kind + ").join(" + right.name + ".keyOn(" + kind + ").sum, " + mode
            + ")@" + joinId;
        outId = nextId();
        out = joined.map(outId, kv -> new Item(kind.lane(kv.key()), joinedText(kv.value())));
      }
      obs.statefulStep(joinId);
      add(out, outId, kind.lanes(lanes), true, how + ".map(kv -> Item(lane of key, left|right))");
    }

    private static String joinedText(Joined<?, ?> j) {
      return (j.left() == null ? "-" : String.valueOf(payload(j.left()))) + "|"
          + (j.right() == null ? "-" : String.valueOf(payload(j.right())));
    }

    private void output(Stage s) {
      String id = nextId();
      s.stream.output(id, obs.sinkTap(id, s.sequential).sink);
      plan.append("output ").append(id).append(" <- ").append(s.name).append('\n');
    }
  }

  // ------------------------------------------------------------------ what a run saw, and the checks

  /** An output or an inspect step: the items it got (and, for inspect, on which worker). */
  private static final class Tap {
    final String id;
    final boolean sequential;
    final ListSink<Item> sink;
    final Queue<Seen> seen = new ConcurrentLinkedQueue<>();

    Tap(String id, boolean sequential, ListSink<Item> sink) {
      this.id = id;
      this.sequential = sequential;
      this.sink = sink;
    }

    List<Item> items() {
      return sink != null ? sink.items() : seen.stream().map(Seen::item).toList();
    }

    String what() {
      return (sink != null ? "output " : "inspect step ") + id;
    }
  }

  /**
   * The values each key's logic of one keyed step saw, in the order it saw them; where that order is
   * defined, also what each lane sent to the step, in the order it was sent (by an inspect step just
   * before it).
   */
  private static final class Trace {
    final boolean ordered;
    final KeyKind kind;
    final Map<Object, List<Object>> valuesPerKey = new ConcurrentHashMap<>();
    final Map<String, List<Item>> sentPerLane = new ConcurrentHashMap<>();

    Trace(boolean ordered, KeyKind kind) {
      this.ordered = ordered;
      this.kind = kind;
    }

    void record(Object key, Object value) {
      valuesPerKey.computeIfAbsent(key, k -> Collections.synchronizedList(new ArrayList<>())).add(value);
    }

    void sent(Item item) {
      sentPerLane.computeIfAbsent(item.lane(), l -> Collections.synchronizedList(new ArrayList<>())).add(item);
    }

    /** What each key should have seen: the items sent for it, in the order their lane sent them. */
    Map<Object, List<Object>> sentPerKey() {
      Map<Object, List<Object>> m = new HashMap<>();
      for (List<Item> items : sentPerLane.values()) {
        for (Item it : items) {
          m.computeIfAbsent(kind.key(it), k -> new ArrayList<>()).add(it);
        }
      }
      return m;
    }
  }

  /**
   * Everything one run of a generated flow showed. Every process's build of the flow registers its
   * taps, traces and stateful steps here; the builds are the same, so they share them by step id.
   */
  static final class Observed {
    final long seed;
    final Deployment deployment;
    /** All workers of all processes. */
    final int workers;
    private final String seedsProperty;
    /** The one name of the flow in every process (peers must agree on it). */
    final String flowName;
    RunConfig config;
    String plan;
    final Map<String, Tap> taps = new LinkedHashMap<>();
    final Map<String, Trace> traces = new LinkedHashMap<>();
    /** Traces by where the generator made them (its id counter then), to share them between the builds. */
    private final Map<Integer, Trace> tracesBySite = new HashMap<>();
    final Set<String> statefulSteps = new LinkedHashSet<>();
    final Map<String, Set<Object>> keys = new LinkedHashMap<>();

    Observed(long seed, Deployment deployment, String seedsProperty) {
      this.seed = seed;
      this.deployment = deployment;
      this.workers = deployment.workers();
      this.seedsProperty = seedsProperty;
      this.flowName = TestSupport.uniqueName("random-flow-" + seed);
    }

    /** A build of the flow is done; every build must have made the same flow. */
    void built(RunConfig config, String plan) {
      if (this.plan != null && !this.plan.equals(plan)) {
        fail(header("the generator built another flow for another process:\n" + plan));
      }
      this.config = config;
      this.plan = plan;
    }

    Tap inspectTap(String id, boolean sequential) {
      return taps.computeIfAbsent(id, i -> new Tap(i, sequential, null));
    }

    Tap sinkTap(String id, boolean sequential) {
      return taps.computeIfAbsent(id, i -> new Tap(i, sequential, new ListSink<>()));
    }

    Trace trace(int site, boolean ordered, KeyKind kind) {
      return tracesBySite.computeIfAbsent(site, s -> new Trace(ordered, kind));
    }

    void statefulStep(String id) {
      statefulSteps.add(id);
    }

    String header(String problem) {
      return "seed " + seed + " at " + deployment + ": " + problem + "\n(replay with -D" + seedsProperty + "="
          + seed + ")\ngenerated flow:\n" + plan;
    }

    /** Reads the keys each stateful step processed, checking each was processed only on its owner. */
    void collect(RunResult result) {
      for (String id : statefulSteps) {
        Set<Object> all = new HashSet<>();
        for (int w = 0; w < workers; w++) {
          for (Object key : result.step(id).keys(w)) {
            int owner = Routing.workerFor(key, workers);
            if (owner != w) {
              fail(header("step " + id + " processed key " + key + " on worker " + w + ", but its owner is " + owner));
            }
            all.add(key);
          }
        }
        keys.put(id, all);
      }
      traces.forEach((id, trace) -> {
        if (trace.ordered) {
          Map<Object, List<Object>> sent = trace.sentPerKey();
          Set<Object> allKeys = new HashSet<>(sent.keySet());
          allKeys.addAll(trace.valuesPerKey.keySet());
          for (Object key : allKeys) {
            List<Object> seen = trace.valuesPerKey.getOrDefault(key, List.of());
            if (!seen.equals(sent.getOrDefault(key, List.of()))) {
              fail(header("step " + id + " did not see the values of key " + key + " in the order they were sent: "
                  + difference(sent.getOrDefault(key, List.of()), seen)));
            }
          }
        }
      });
      for (Tap tap : taps.values()) {
        if (tap.sink == null && tap.sequential) {
          Map<String, Set<Integer>> workersOfLane = new TreeMap<>();
          for (Seen s : tap.seen) {
            workersOfLane.computeIfAbsent(s.item().lane(), l -> new TreeSet<>()).add(s.worker());
          }
          workersOfLane.forEach((lane, ws) -> {
            if (ws.size() > 1) {
              fail(header(tap.what() + ": lane " + lane + " of a sequential stream was on workers " + ws));
            }
          });
        }
      }
    }

    void assertSameAs(Observed reference) {
      if (!plan.equals(reference.plan)) {
        fail(header("the generator built a different flow than for 1 worker:\n" + reference.plan));
      }
      for (Tap expected : reference.taps.values()) {
        Tap actual = taps.get(expected.id);
        List<Item> want = expected.items();
        List<Item> got = actual.items();
        assertSameMultiset(expected.what(), want, got);
        if (expected.sequential) {
          Map<String, List<Item>> wantLanes = byLane(want);
          Map<String, List<Item>> gotLanes = byLane(got);
          for (Map.Entry<String, List<Item>> e : wantLanes.entrySet()) {
            List<Item> g = gotLanes.get(e.getKey());
            if (!e.getValue().equals(g)) {
              fail(header(expected.what() + ": lane " + e.getKey() + " of a sequential stream differs from 1 worker: "
                  + difference(e.getValue(), g == null ? List.of() : g)));
            }
          }
        }
      }
      for (Map.Entry<String, Trace> e : reference.traces.entrySet()) {
        Trace want = e.getValue();
        Trace got = traces.get(e.getKey());
        Set<Object> allKeys = new HashSet<>(want.valuesPerKey.keySet());
        allKeys.addAll(got.valuesPerKey.keySet());
        for (Object key : allKeys) {
          List<Object> w = want.valuesPerKey.getOrDefault(key, List.of());
          List<Object> g = got.valuesPerKey.getOrDefault(key, List.of());
          boolean same = want.ordered ? w.equals(g) : counts(w).equals(counts(g));
          if (!same) {
            fail(header("step " + e.getKey() + " saw other values for key " + key + " than at 1 worker"
                + (want.ordered ? " (in a defined order): " + difference(w, g) : ": " + g + " instead of " + w)));
          }
        }
      }
      for (Map.Entry<String, Set<Object>> e : reference.keys.entrySet()) {
        if (!e.getValue().equals(keys.get(e.getKey()))) {
          fail(header("step " + e.getKey() + " processed keys " + new TreeSet<>(keys.get(e.getKey()).stream()
              .map(String::valueOf).toList()) + " but at 1 worker " + new TreeSet<>(e.getValue().stream()
              .map(String::valueOf).toList())));
        }
      }
    }

    private void assertSameMultiset(String what, List<Item> expected, List<Item> actual) {
      Map<Object, Integer> want = counts(expected);
      Map<Object, Integer> got = counts(actual);
      if (want.equals(got)) {
        return;
      }
      List<String> missing = new ArrayList<>();
      List<String> extra = new ArrayList<>();
      Set<Object> all = new HashSet<>(want.keySet());
      all.addAll(got.keySet());
      for (Object item : all) {
        int diff = want.getOrDefault(item, 0) - got.getOrDefault(item, 0);
        if (diff > 0) {
          missing.add(diff + "x " + item);
        } else if (diff < 0) {
          extra.add(-diff + "x " + item);
        }
      }
      fail(header(what + " got " + actual.size() + " items, at 1 worker " + expected.size() + "; missing "
          + missing.size() + " distinct: " + head(missing) + "; extra " + extra.size() + " distinct: " + head(extra)));
    }

    /** Where {@code actual} first departs from {@code expected}, with a little context. */
    private static String difference(List<?> expected, List<?> actual) {
      int i = 0;
      while (i < expected.size() && i < actual.size() && expected.get(i).equals(actual.get(i))) {
        i++;
      }
      int from = Math.max(0, i - 2);
      return "expected " + expected.size() + " values, got " + actual.size() + "; first difference at index " + i
          + ":\n  expected ..." + expected.subList(from, Math.min(expected.size(), i + 3))
          + "\n  got      ..." + actual.subList(from, Math.min(actual.size(), i + 3)) + "\n";
    }

    private static String head(List<String> l) {
      Collections.sort(l);
      return l.size() <= 10 ? l.toString() : l.subList(0, 10) + "...";
    }

    private static Map<Object, Integer> counts(List<?> items) {
      Map<Object, Integer> m = new HashMap<>();
      for (Object o : items) {
        m.merge(o, 1, Integer::sum);
      }
      return m;
    }

    private static Map<String, List<Item>> byLane(List<Item> items) {
      Map<String, List<Item>> m = new TreeMap<>();
      for (Item it : items) {
        m.computeIfAbsent(Objects.requireNonNull(it.lane()), l -> new ArrayList<>()).add(it);
      }
      return m;
    }
  }
}
