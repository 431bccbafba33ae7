package io.sluice.peers.nexmark;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.api.common.functions.JoinFunction;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeHint;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.source.RichParallelSourceFunction;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.assigners.SlidingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/**
 * NEXMark as Flink DataStream jobs over the same {@link Generator} events as {@link SluiceNexmark}:
 * Q0–Q3 ({@link #query}) and the event-time windowed Q5, Q7, Q8 ({@link #windowedQuery} over
 * {@link #windowedEvents}), with the same windows and the same composition as the Sluice versions.
 */
public final class FlinkNexmark {
  private FlinkNexmark() {}

  /** The events {@code [0, events)}: a parallel sequence source (contiguous ranges per subtask) mapped by the generator. */
  public static DataStream<Event> events(StreamExecutionEnvironment env, Generator gen, long events) {
    return env.fromSequence(0, events - 1).map(gen::event).returns(Event.class).name("events");
  }

  /** The output stream of {@code query} (0–3). */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static DataStream<Object> query(int query, DataStream<Event> in) {
    DataStream out = switch (query) {
      case 0 -> in.map(e -> e).returns(Event.class).name("q0");
      case 1 -> in.filter(e -> e.bid != null).map(e -> Queries.q1(e.bid)).returns(Bid.class).name("q1");
      case 2 -> in.filter(Queries::q2).map(e -> new AuctionPrice(e.bid.auction, e.bid.price))
          .returns(AuctionPrice.class).name("q2");
      case 3 -> in.filter(Queries::q3Input).keyBy(Queries::q3Key, Types.LONG).process(new Q3Join())
          .returns(NameCityStateId.class).name("q3");
      default -> throw new IllegalArgumentException("query must be 0-3, got " + query);
    };
    return out;
  }

  /** Q3's incremental join: per person id, the person once seen and the auctions that came before it. */
  static final class Q3Join extends KeyedProcessFunction<Long, Event, NameCityStateId> {
    private transient ValueState<Person> person;
    private transient ListState<Auction> waiting;

    @Override
    public void open(Configuration parameters) {
      person = getRuntimeContext().getState(new ValueStateDescriptor<>("person", Person.class));
      waiting = getRuntimeContext().getListState(new ListStateDescriptor<>("waiting", Auction.class));
    }

    @Override
    public void processElement(Event e, Context ctx, Collector<NameCityStateId> out) throws Exception {
      if (e.person != null) {
        person.update(e.person);
        List<Auction> before = new ArrayList<>();
        for (Auction a : waiting.get()) {
          before.add(a);
        }
        for (Auction a : before) {
          out.collect(Queries.q3Out(e.person, a));
        }
        waiting.clear();
        return;
      }
      Person p = person.value();
      if (p != null) {
        out.collect(Queries.q3Out(p, e.auction));
      } else {
        waiting.add(e.auction);
      }
    }
  }

  // ---------------------------------------------------------------- windowed queries (Q5, Q7, Q8)

  private static final TypeInformation<MaxTies<Bid>> MAX_BIDS = TypeInformation.of(new TypeHint<MaxTies<Bid>>() {});
  private static final TypeInformation<MaxTies<AuctionCount>> MAX_COUNTS =
      TypeInformation.of(new TypeHint<MaxTies<AuctionCount>>() {});

  /**
   * The events {@code [0, events)} for the windowed queries: subtask s of p generates the chunks
   * {@code c ≡ s (mod p)} of {@code chunk} events, in order (as Sluice's interleaved source does), and
   * each event's timestamp is its {@code dateTime}, with a bounded-out-of-orderness watermark of
   * {@link Queries#outOfOrdernessMillis} for {@code workers} workers (the parallelism). Each
   * subtask's events are in timestamp order and a downstream watermark is the minimum over its
   * inputs, so no event is late. At the end of the input the watermark is the maximum: every
   * window fires.
   */
  public static DataStream<Event> windowedEvents(StreamExecutionEnvironment env, Generator gen, long events, int chunk,
      int workers) {
    Duration wait = Duration.ofMillis(Queries.outOfOrdernessMillis(gen, workers, chunk));
    return env.addSource(new InterleavedSource(gen, events, chunk), "events", TypeInformation.of(Event.class))
        .assignTimestampsAndWatermarks(WatermarkStrategy.<Event>forBoundedOutOfOrderness(wait)
            .withTimestampAssigner((e, previous) -> Queries.timeOf(e)))
        .name("timestamps");
  }

  /**
   * The output stream of windowed query {@code query} (5, 7 or 8) over {@link #windowedEvents}:
   * <ul>
   *   <li>Q5: bids keyed by auction → sliding event-time windows → count → {@link AuctionCount}
   *       (window start) → keyed by window start → tumbling windows of the slide (a window result
   *       carries its window's end − 1 ms as timestamp) → {@link MaxTies} → the auctions at the
   *       maximum.</li>
   *   <li>Q7: bids keyed by {@code auction mod Q7_FANOUT} → tumbling windows → {@link MaxTies} by
   *       price → keyed by window start → tumbling windows → merged → the bids at the maximum.</li>
   *   <li>Q8: persons (by id) joined with auctions (by seller) in tumbling windows, one
   *       {@link IdNameReserve} per pair.</li>
   * </ul>
   */
  public static DataStream<?> windowedQuery(int query, DataStream<Event> in) {
    switch (query) {
      case 5 -> {
        DataStream<AuctionCount> counts = in.filter(e -> e.bid != null).map(e -> e.bid).returns(Bid.class)
            .keyBy(b -> b.auction, Types.LONG)
            .window(SlidingEventTimeWindows.of(Duration.ofMillis(Queries.Q5_LENGTH_MS),
                Duration.ofMillis(Queries.Q5_SLIDE_MS)))
            .aggregate(new CountBids(), new ToAuctionCount())
            .name("count");
        return counts.keyBy(ac -> ac.windowStart, Types.LONG)
            .window(TumblingEventTimeWindows.of(Duration.ofMillis(Queries.Q5_SLIDE_MS)))
            .aggregate(new MaxCount(), MAX_COUNTS, MAX_COUNTS).name("max")
            .flatMap((MaxTies<AuctionCount> m, Collector<AuctionCount> out) -> m.items.forEach(out::collect))
            .returns(AuctionCount.class).name("hot-items");
      }
      case 7 -> {
        Duration length = Duration.ofMillis(Queries.Q7_LENGTH_MS);
        DataStream<MaxTies<Bid>> partial = in.filter(e -> e.bid != null).map(e -> e.bid).returns(Bid.class)
            .keyBy(b -> b.auction % Queries.Q7_FANOUT, Types.LONG)
            .window(TumblingEventTimeWindows.of(length))
            .aggregate(new MaxPrice(), new InWindow()).returns(MAX_BIDS).name("partial-max");
        return partial.keyBy(m -> m.windowStart, Types.LONG)
            .window(TumblingEventTimeWindows.of(length))
            .reduce((a, b) -> a.merge(b)).returns(MAX_BIDS).name("max")
            .flatMap((MaxTies<Bid> m, Collector<Bid> out) -> m.items.forEach(out::collect))
            .returns(Bid.class).name("highest-bids");
      }
      case 8 -> {
        DataStream<Person> persons = in.filter(e -> e.person != null).map(e -> e.person).returns(Person.class);
        DataStream<Auction> auctions = in.filter(e -> e.auction != null).map(e -> e.auction).returns(Auction.class);
        return persons.join(auctions).where(p -> p.id, Types.LONG).equalTo(a -> a.seller, Types.LONG)
            .window(TumblingEventTimeWindows.of(Duration.ofMillis(Queries.Q8_LENGTH_MS)))
            .apply((JoinFunction<Person, Auction, IdNameReserve>) Queries::q8Out,
                TypeInformation.of(IdNameReserve.class));
      }
      default -> throw new IllegalArgumentException("windowed query must be 5, 7 or 8, got " + query);
    }
  }

  /** Subtask s of p: chunks {@code c ≡ s (mod p)}, each emitted under the checkpoint lock. */
  static final class InterleavedSource extends RichParallelSourceFunction<Event> {
    private static final long serialVersionUID = 1L;
    private final Generator gen;
    private final long events;
    private final int chunk;
    private volatile boolean running = true;

    InterleavedSource(Generator gen, long events, int chunk) {
      this.gen = gen;
      this.events = events;
      this.chunk = chunk;
    }

    @Override
    public void run(SourceContext<Event> ctx) {
      int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
      int subtasks = getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
      for (long from = (long) subtask * chunk; from < events && running; from += (long) chunk * subtasks) {
        long to = Math.min(from + chunk, events);
        synchronized (ctx.getCheckpointLock()) {
          for (long n = from; n < to; n++) {
            ctx.collect(gen.event(n));
          }
        }
      }
    }

    @Override
    public void cancel() {
      running = false;
    }
  }

  static final class CountBids implements AggregateFunction<Bid, Long, Long> {
    @Override
    public Long createAccumulator() {
      return 0L;
    }

    @Override
    public Long add(Bid value, Long acc) {
      return acc + 1;
    }

    @Override
    public Long getResult(Long acc) {
      return acc;
    }

    @Override
    public Long merge(Long a, Long b) {
      return a + b;
    }
  }

  static final class ToAuctionCount extends ProcessWindowFunction<Long, AuctionCount, Long, TimeWindow> {
    @Override
    public void process(Long auction, Context ctx, Iterable<Long> counts, Collector<AuctionCount> out) {
      out.collect(new AuctionCount(ctx.window().getStart(), auction, counts.iterator().next()));
    }
  }

  static final class MaxCount implements AggregateFunction<AuctionCount, MaxTies<AuctionCount>, MaxTies<AuctionCount>> {
    @Override
    public MaxTies<AuctionCount> createAccumulator() {
      return new MaxTies<>();
    }

    @Override
    public MaxTies<AuctionCount> add(AuctionCount value, MaxTies<AuctionCount> acc) {
      return acc.add(value, value.count);
    }

    @Override
    public MaxTies<AuctionCount> getResult(MaxTies<AuctionCount> acc) {
      return acc;
    }

    @Override
    public MaxTies<AuctionCount> merge(MaxTies<AuctionCount> a, MaxTies<AuctionCount> b) {
      return a.merge(b);
    }
  }

  static final class MaxPrice implements AggregateFunction<Bid, MaxTies<Bid>, MaxTies<Bid>> {
    @Override
    public MaxTies<Bid> createAccumulator() {
      return new MaxTies<>();
    }

    @Override
    public MaxTies<Bid> add(Bid value, MaxTies<Bid> acc) {
      return acc.add(value, value.price);
    }

    @Override
    public MaxTies<Bid> getResult(MaxTies<Bid> acc) {
      return acc;
    }

    @Override
    public MaxTies<Bid> merge(MaxTies<Bid> a, MaxTies<Bid> b) {
      return a.merge(b);
    }
  }

  /** Stamps a first-stage maximum with its window's start. */
  static final class InWindow extends ProcessWindowFunction<MaxTies<Bid>, MaxTies<Bid>, Long, TimeWindow> {
    @Override
    public void process(Long key, Context ctx, Iterable<MaxTies<Bid>> results, Collector<MaxTies<Bid>> out) {
      out.collect(results.iterator().next().inWindow(ctx.window().getStart()));
    }
  }
}
