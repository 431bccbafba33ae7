package io.sluice.benchmarks;

import io.sluice.dataflow.Dataflow;
import io.sluice.outputs.DynamicSink;
import io.sluice.outputs.StatelessSinkPartition;
import io.sluice.run.RunConfig;
import io.sluice.run.Sluice;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What putting {@code step} in SLF4J's MDC around every activation costs: {@code input → map →
 * filter → output} on one worker, with it on ({@code stepMdc=true}, the default) and off
 * ({@code -Dsluice.log.stepMdc=false}), at several batch sizes (the cost is per activation, i.e. per
 * batch per step: a batch of 1 is the worst case). Read the {@code [cpu]} lines (process CPU ns
 * per item) of the two settings side by side.
 *
 * <p>The benchmarks' own backend, slf4j-simple, has a no-op MDC, which the engine detects and skips:
 * measure with logback (bin/sluice's backend) on the class path instead, as docs/PERFORMANCE.md
 * ("step in the MDC") shows: {@code java -cp benchmarks.jar:logback-classic.jar:logback-core.jar
 * org.openjdk.jmh.Main StepMdcBenchmark -jvmArgsPrepend
 * "-Dslf4j.provider=ch.qos.logback.classic.spi.LogbackServiceProvider -Dlogback.configurationFile=warn.xml"}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xms1g", "-Xmx1g"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class StepMdcBenchmark {
  /** Items per invocation. */
  public static final int ITEMS = 1_000_000;

  @Param({"true", "false"})
  public boolean stepMdc;

  @Param({"1", "100", "1000"})
  public int batch;

  private final CpuMeter cpu = new CpuMeter();

  @Setup(Level.Trial)
  public void setUp() {
    // read by every step instance as it is built
    System.setProperty("sluice.log.stepMdc", String.valueOf(stepMdc));
  }

  @Setup(Level.Iteration)
  public void startIteration() {
    cpu.start();
  }

  @TearDown(Level.Iteration)
  public void endIteration() {
    cpu.report();
  }

  @Benchmark
  @OperationsPerInvocation(ITEMS)
  public long run() {
    AtomicLong seen = new AtomicLong();
    Dataflow flow = new Dataflow("mdc-bench");
    flow.input("in", new PipelineBenchmark.RangeSource(ITEMS, batch))
        .map("plus", (Integer i) -> i + 1)
        .filter("odd", (Integer i) -> (i & 1) == 1)
        .output("out", new CountingSink(seen));
    Sluice.run(flow, RunConfig.workers(1));
    long n = seen.get();
    if (n != ITEMS / 2) {
      throw new IllegalStateException("sink saw " + n + " items, expected " + ITEMS / 2);
    }
    cpu.items += ITEMS;
    return n;
  }

  /** Counts what reaches it. */
  record CountingSink(AtomicLong seen) implements DynamicSink<Integer> {
    @Override
    public StatelessSinkPartition<Integer> build(String stepId, int workerIndex, int workerCount) {
      return new StatelessSinkPartition<>() {
        @Override
        public void writeBatch(List<Integer> items) {
          seen.addAndGet(items.size());
        }
      };
    }
  }
}
