package io.sluice.run;

import io.sluice.connectors.IterableSource;
import io.sluice.connectors.ListSink;
import io.sluice.dataflow.Dataflow;
import java.util.List;

/** Runs a tiny flow in a child JVM started by {@link JvmOptionTest}, printing the outcome. */
public final class JvmOptionProbe {
  private JvmOptionProbe() {}

  public static void main(String[] args) {
    Dataflow flow = new Dataflow("probe");
    ListSink<Integer> out = new ListSink<>();
    flow.input("in", IterableSource.of(List.of(1, 2, 3))).redistribute("spread").output("out", out);
    try {
      Sluice.run(flow, 2);
      System.out.println("OK " + out.items().size());
    } catch (IllegalStateException e) {
      System.out.println("REFUSED " + e.getMessage());
    }
  }
}
