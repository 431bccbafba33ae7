package io.sluice.peers.nexmark;

import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.JoinInsertMode;
import io.sluice.dataflow.JoinMode;
import io.sluice.dataflow.KeyedStream;
import io.sluice.dataflow.Stream;
import io.sluice.dataflow.ValueState;
import io.sluice.inputs.DynamicSource;
import io.sluice.inputs.StatelessSourcePartition;
import io.sluice.outputs.Sink;
import io.sluice.run.RunConfig;
import io.sluice.windowing.EventClock;
import io.sluice.windowing.WindowOut;
import io.sluice.windowing.Windowed;
import io.sluice.windowing.Windower;
import io.sluice.windowing.Windowing;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * NEXMark as Sluice dataflows over {@link Generator}'s events: Q0–Q3 ({@link #flow}) and the
 * event-time windowed Q5, Q7, Q8 ({@link #windowedFlow}, run with {@link #windowedConfig}).
 */
public final class SluiceNexmark {
  private SluiceNexmark() {}

  /** Q3's join state per person id: the person once seen, and the auctions that came before it. */
  static final class JoinState {
    Person person;
    List<Auction> waiting;
  }

  /**
   * The dataflow of {@code query} (0–3) over events {@code [0, events)}, each worker generating a
   * contiguous share in batches of {@code batch}, into {@code sink}.
   */
  @SuppressWarnings("unchecked")
  public static Dataflow flow(int query, Generator gen, long events, int batch, Sink<?> sink) {
    Dataflow flow = new Dataflow("nexmark-q" + query);
    Stream<Event> in = flow.input("events", new EventSource(gen, events, batch));
    switch (query) {
      case 0 -> in.map("q0", e -> e).output("out", (Sink<Object>) sink);
      case 1 -> in.filter("bids", e -> e.bid != null).map("q1", e -> Queries.q1(e.bid))
          .output("out", (Sink<Object>) sink);
      case 2 -> in.filter("q2", Queries::q2).map("project", e -> new AuctionPrice(e.bid.auction, e.bid.price))
          .output("out", (Sink<Object>) sink);
      case 3 -> in.filter("q3-input", Queries::q3Input)
          .keyOn("by-person", Queries::q3Key)
          .statefulFlatMap("join", (ValueState<JoinState> st, Event e) -> {
            JoinState s = st.get();
            if (s == null) {
              s = new JoinState();
              st.set(s);
            }
            if (e.person != null) {
              s.person = e.person;
              if (s.waiting == null) {
                return List.of();
              }
              List<NameCityStateId> out = new ArrayList<>(s.waiting.size());
              for (Auction a : s.waiting) {
                out.add(Queries.q3Out(s.person, a));
              }
              s.waiting = null;
              return out;
            }
            if (s.person != null) {
              return List.of(Queries.q3Out(s.person, e.auction));
            }
            if (s.waiting == null) {
              s.waiting = new ArrayList<>(2);
            }
            s.waiting.add(e.auction);
            return List.of();
          })
          .keyRm("drop-key")
          .output("out", (Sink<Object>) sink);
      default -> throw new IllegalArgumentException("query must be 0-3, got " + query);
    }
    return flow;
  }

  /**
   * The run configuration for {@link #windowedFlow}: {@code workers} workers on virtual time that
   * starts at {@link Generator#BASE_TIME} and that the sources move on to the event time of their
   * next chunk ({@link InterleavedEventSource}). Each move closes an epoch, so every window step's
   * input is aligned on chunks and each step instance's time follows the event time that all its
   * inputs have passed (the role of Flink's watermark as the minimum over inputs); event clocks'
   * watermarks and window-closing timers follow it, so windows close as the stream goes rather than
   * at the end, the same way in every run.
   */
  public static RunConfig windowedConfig(int workers) {
    return RunConfig.workers(workers).withVirtualTime(Instant.ofEpochMilli(Generator.BASE_TIME));
  }

  /**
   * Q5, Q7 or Q8 over events {@code [0, events)}, generated in chunks of {@code chunk} events dealt
   * round-robin to the {@code workers} workers ({@link InterleavedEventSource}), into {@code sink};
   * every item any window step finds late goes to {@code late} (none should: see
   * {@link Queries#outOfOrdernessMillis}). Every window step uses an {@link EventClock} on the
   * events' {@code dateTime} with that wait; at the end of the input every window closes.
   * <ul>
   *   <li>Q5: bids keyed by auction → {@code countWindow} (sliding) → keyed by window start →
   *       {@code foldWindow} into a {@link MaxTies} (tumbling windows of the slide, each result
   *       stamped with its window's close − 1 ms, as Flink stamps window results) → one
   *       {@link AuctionCount} per auction at the maximum.</li>
   *   <li>Q7: bids keyed by {@code auction mod Q7_FANOUT} → {@code foldWindow} into a
   *       {@link MaxTies} per window → keyed by window start → {@code foldWindow} merging the
   *       partial maxima → every {@link Bid} at the maximum.</li>
   *   <li>Q8: persons keyed by id and auctions keyed by seller → {@code joinWindow} (tumbling,
   *       insert mode {@code PRODUCT}, emit {@code FINAL}: every pair when the window closes) →
   *       rows with both sides → {@link IdNameReserve}.</li>
   * </ul>
   * The maximum with ties is composed from {@code foldWindow}; Sluice's {@code maxWindow} keeps only
   * the first of equal values.
   *
   * @param workers the run's number of workers (all processes): the clocks' waits grow with it, so
   *                a run with more workers than this may find items late (they go to {@code late})
   * @throws IllegalArgumentException if {@code workers} or {@code chunk} is below 1, or the query is
   *                                  not 5, 7 or 8
   */
  @SuppressWarnings("unchecked")
  public static Dataflow windowedFlow(int query, Generator gen, long events, int chunk, int workers, Sink<?> sink,
      Sink<Object> late) {
    if (workers < 1) {
      throw new IllegalArgumentException("workers must be at least 1, got " + workers);
    }
    Dataflow flow = new Dataflow("nexmark-q" + query);
    Stream<Event> in = flow.input("events", new InterleavedEventSource(gen, events, chunk));
    Duration wait = Duration.ofMillis(Queries.outOfOrdernessMillis(gen, workers, chunk));
    Duration wait2 = Duration.ofMillis(Queries.secondStageWaitMillis(gen, workers, chunk));
    Sink<Object> out = (Sink<Object>) sink;
    List<Stream<Object>> lates = new ArrayList<>();
    switch (query) {
      case 5 -> {
        KeyedStream<Long, Bid> bids = in.filter("bids", e -> e.bid != null).map("bid", e -> e.bid)
            .keyOn("by-auction", b -> b.auction);
        WindowOut<Long, Bid, Long> counts = bids.countWindow("count",
            new EventClock<>((Bid b) -> Instant.ofEpochMilli(b.dateTime), wait),
            Windower.sliding(Duration.ofMillis(Queries.Q5_LENGTH_MS), Duration.ofMillis(Queries.Q5_SLIDE_MS),
                Instant.EPOCH));
        lates.add(late(counts));
        KeyedStream<Long, AuctionCount> byWindow = counts.down().map("auction-count",
                kv -> new AuctionCount(kv.value().windowId() * Queries.Q5_SLIDE_MS, kv.key(), kv.value().value()))
            .keyOn("by-window", ac -> ac.windowStart);
        WindowOut<Long, AuctionCount, MaxTies<AuctionCount>> max = Windowing.foldWindow(byWindow, "max",
            new EventClock<>((AuctionCount ac) -> Instant.ofEpochMilli(ac.windowStart + Queries.Q5_LENGTH_MS - 1),
                wait2),
            Windower.tumbling(Duration.ofMillis(Queries.Q5_SLIDE_MS), Instant.EPOCH),
            MaxTies::new, (MaxTies<AuctionCount> m, AuctionCount ac) -> m.add(ac, ac.count), MaxTies::merge, false);
        lates.add(late(max));
        max.down().keyRm("drop-window").flatMap("hot-items", w -> w.value().items).output("out", out);
      }
      case 7 -> {
        KeyedStream<Long, Bid> bids = in.filter("bids", e -> e.bid != null).map("bid", e -> e.bid)
            .keyOn("fan-out", b -> b.auction % Queries.Q7_FANOUT);
        Duration length = Duration.ofMillis(Queries.Q7_LENGTH_MS);
        WindowOut<Long, Bid, MaxTies<Bid>> partial = Windowing.foldWindow(bids, "partial-max",
            new EventClock<>((Bid b) -> Instant.ofEpochMilli(b.dateTime), wait),
            Windower.tumbling(length, Instant.EPOCH),
            MaxTies::new, (MaxTies<Bid> m, Bid b) -> m.add(b, b.price), MaxTies::merge, false);
        lates.add(late(partial));
        KeyedStream<Long, MaxTies<Bid>> byWindow = partial.down().keyRm("drop-fan-out")
            .map("window", w -> w.value().inWindow(w.windowId() * Queries.Q7_LENGTH_MS))
            .keyOn("by-window", m -> m.windowStart);
        WindowOut<Long, MaxTies<Bid>, MaxTies<Bid>> max = Windowing.foldWindow(byWindow, "max",
            new EventClock<>((MaxTies<Bid> m) -> Instant.ofEpochMilli(m.windowStart + Queries.Q7_LENGTH_MS - 1), wait2),
            Windower.tumbling(length, Instant.EPOCH),
            MaxTies::new, MaxTies::merge, MaxTies::merge, false);
        lates.add(late(max));
        max.down().keyRm("drop-window").flatMap("highest-bids", w -> w.value().items).output("out", out);
      }
      case 8 -> {
        KeyedStream<Long, Person> persons = in.filter("persons", e -> e.person != null).map("person", e -> e.person)
            .keyOn("by-id", p -> p.id);
        KeyedStream<Long, Auction> auctions = in.filter("auctions", e -> e.auction != null)
            .map("auction", e -> e.auction).keyOn("by-seller", a -> a.seller);
        WindowOut<Long, Object, io.sluice.dataflow.Joined<Person, Auction>> joined = persons.joinWindow("join",
            new EventClock<>((Object o) -> Instant.ofEpochMilli(o instanceof Person p ? p.dateTime
                : ((Auction) o).dateTime), wait),
            Windower.tumbling(Duration.ofMillis(Queries.Q8_LENGTH_MS), Instant.EPOCH),
            auctions, JoinInsertMode.PRODUCT, JoinMode.FINAL);
        lates.add(late(joined));
        joined.down().keyRm("drop-key")
            .filter("both-sides", w -> w.value().left() != null && w.value().right() != null)
            .map("q8", w -> Queries.q8Out(w.value().left(), w.value().right()))
            .output("out", out);
      }
      default -> throw new IllegalArgumentException("windowed query must be 5, 7 or 8, got " + query);
    }
    Stream<Object> first = lates.get(0);
    (lates.size() == 1 ? first : first.merge("late", lates.subList(1, lates.size()).toArray(new Stream[0])))
        .output("late-out", late);
    return flow;
  }

  private static Stream<Object> late(WindowOut<?, ?, ?> w) {
    return w.late().<Object>map(w.late().step().id() + ".any", kv -> kv);
  }

  /**
   * Worker w of W generates the chunks {@code c ≡ w (mod W)} of {@code chunk} events each (chunk c
   * holds events {@code [c·chunk, (c+1)·chunk)}), one chunk per batch, in order, so the workers'
   * streams interleave in event time. After a chunk, {@link StatelessSourcePartition#nextAwake()}
   * is the event time of the worker's next chunk: under virtual time ({@link #windowedConfig}) the
   * partition's time moves there (it sends nothing older afterwards) and an epoch closes; under the
   * system clock that time is long past, so it changes nothing.
   */
  static final class InterleavedEventSource implements DynamicSource<Event> {
    private final Generator gen;
    private final long events;
    private final int chunk;

    InterleavedEventSource(Generator gen, long events, int chunk) {
      if (chunk < 1) {
        throw new IllegalArgumentException("chunk must be at least 1 event, got " + chunk);
      }
      this.gen = gen;
      this.events = events;
      this.chunk = chunk;
    }

    @Override
    public StatelessSourcePartition<Event> build(String stepId, int worker, int workers) {
      return new StatelessSourcePartition<>() {
        long next = (long) worker * chunk;

        @Override
        public List<Event> nextBatch() {
          if (next >= events) {
            return null;
          }
          int n = (int) Math.min(chunk, events - next);
          List<Event> out = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            out.add(gen.event(next + i));
          }
          next += (long) chunk * workers;
          return out;
        }

        @Override
        public Instant nextAwake() {
          return next >= events ? null : Instant.ofEpochMilli(gen.timeOf(next));
        }
      };
    }
  }

  /** Worker w of W generates events {@code [w·n/W, (w+1)·n/W)}. */
  static final class EventSource implements DynamicSource<Event> {
    private final Generator gen;
    private final long events;
    private final int batch;

    EventSource(Generator gen, long events, int batch) {
      this.gen = gen;
      this.events = events;
      this.batch = batch;
    }

    @Override
    public StatelessSourcePartition<Event> build(String stepId, int worker, int workers) {
      long from = events * worker / workers;
      long to = events * (worker + 1) / workers;
      return new StatelessSourcePartition<>() {
        long next = from;

        @Override
        public List<Event> nextBatch() {
          if (next >= to) {
            return null;
          }
          int n = (int) Math.min(batch, to - next);
          List<Event> out = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            out.add(gen.event(next++));
          }
          return out;
        }
      };
    }
  }
}
