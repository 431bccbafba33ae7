package io.sluice.benchmarks.aeron;

import java.util.List;

/**
 * The child JVM of {@link ExchangeVsAeron}: {@code raw <address> <rounds> <perRound>} subscribes and
 * reports each round; {@code sluice <a0;a1|a0;a1|...> <items> <workers> <batch>} runs process 1 of
 * the Sluice cluster once per address pair and reports
 * {@code SLUICE <round> <readSource> <items> <batches> <spanNanos>}.
 */
public final class ExchangeChild {
  private ExchangeChild() {}

  public static void main(String[] args) {
    switch (args[0]) {
      case "raw" -> {
        try (RawAeron aeron = new RawAeron()) {
          aeron.receive(args[1], Integer.parseInt(args[2]), Long.parseLong(args[3]), 30_000_000_000L);
        }
      }
      case "sluice" -> {
        String[] rounds = args[1].split("\\|");
        long items = Long.parseLong(args[2]);
        int workers = Integer.parseInt(args[3]);
        int batch = Integer.parseInt(args[4]);
        for (int r = 0; r < rounds.length; r++) {
          SluiceExchange.Counts c = SluiceExchange.run(1, List.of(rounds[r].split(";")), workers, items, batch);
          System.out.println("SLUICE " + r + " " + c.readSource() + " " + c.items() + " " + c.batches() + " "
              + c.spanNanos());
          System.out.flush();
        }
      }
      default -> throw new IllegalArgumentException("unknown mode " + args[0]);
    }
  }
}
