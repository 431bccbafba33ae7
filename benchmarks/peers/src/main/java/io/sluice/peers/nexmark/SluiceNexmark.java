package io.sluice.peers.nexmark;

import io.sluice.dataflow.Dataflow;
import io.sluice.dataflow.Stream;
import io.sluice.dataflow.ValueState;
import io.sluice.inputs.DynamicSource;
import io.sluice.inputs.StatelessSourcePartition;
import io.sluice.outputs.Sink;
import java.util.ArrayList;
import java.util.List;

/** NEXMark Q0–Q3 as Sluice dataflows over {@link Generator}'s events. */
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
