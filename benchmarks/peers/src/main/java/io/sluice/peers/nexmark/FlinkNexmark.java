package io.sluice.peers.nexmark;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/** NEXMark Q0–Q3 as Flink DataStream jobs over the same {@link Generator} events as {@link SluiceNexmark}. */
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
}
