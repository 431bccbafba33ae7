package io.sluice.inputs;

/**
 * Started in a child JVM by {@link RoutingTest}: prints, one per line, {@code name=hash} for
 * every {@link RoutingTest.Color} constant, so the test can compare placements across JVMs.
 */
public final class RoutingProbe {
  private RoutingProbe() {}

  public static void main(String[] args) {
    StringBuilder sb = new StringBuilder();
    for (RoutingTest.Color c : RoutingTest.Color.values()) {
      sb.append(c.name()).append('=').append(Routing.hash(c)).append('\n');
    }
    sb.append("record=").append(Routing.hash(new RoutingTest.Pair(RoutingTest.Color.BLUE, 7))).append('\n');
    System.out.print(sb);
    System.out.flush();
  }
}
