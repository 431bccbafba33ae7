package io.sluice.testkit;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.Extension;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestTemplateInvocationContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestTemplateInvocationContextProvider;
import org.junit.platform.commons.support.AnnotationSupport;
import org.opentest4j.AssertionFailedError;

/**
 * Turns a {@link DataflowTest} method into one invocation per (processes, workers) pair, each named
 * {@code [4 workers]} and given a {@link DataflowRunner} for its worker count.
 */
final class DataflowTestExtension implements TestTemplateInvocationContextProvider {
  private static final int[] DEFAULT_WORKERS = {1, 2, 4};
  private static final int[] DEFAULT_PROCESSES = {1};

  @Override
  public boolean supportsTestTemplate(ExtensionContext context) {
    return context.getTestMethod().map(m -> AnnotationSupport.isAnnotated(m, DataflowTest.class)).orElse(false);
  }

  @Override
  public Stream<TestTemplateInvocationContext> provideTestTemplateInvocationContexts(ExtensionContext context) {
    Method method = context.getRequiredTestMethod();
    Class<?> testClass = context.getRequiredTestClass();
    DataflowTest onMethod = AnnotationSupport.findAnnotation(method, DataflowTest.class).orElseThrow();
    Optional<DataflowTest> onClass = classAnnotation(testClass);
    String where = testClass.getSimpleName() + "." + method.getName();

    int[] workers = pick(onMethod.workers(), onClass.map(DataflowTest::workers), DEFAULT_WORKERS);
    int[] processes = pick(onMethod.processes(), onClass.map(DataflowTest::processes), DEFAULT_PROCESSES);
    long timeoutMillis = onMethod.timeoutMillis() > 0 ? onMethod.timeoutMillis()
        : onClass.map(DataflowTest::timeoutMillis).filter(t -> t > 0).orElse(DataflowRunner.DEFAULT_TIMEOUT.toMillis());
    boolean serdeCheck = onMethod.serdeCheck() || onClass.map(DataflowTest::serdeCheck).orElse(false);
    Set<String> allowed = new LinkedHashSet<>(Arrays.asList(onMethod.serdeAllow()));
    onClass.ifPresent(c -> allowed.addAll(Arrays.asList(c.serdeAllow())));
    if (!testClass.getPackageName().isEmpty()) {
      allowed.add(testClass.getPackageName() + ".");
    }

    for (int w : workers) {
      if (w < 1) {
        throw new ExtensionConfigurationException("@DataflowTest on " + where + ": workers must be at least 1, got "
            + Arrays.toString(workers));
      }
    }
    for (int p : processes) {
      if (p < 1) {
        throw new ExtensionConfigurationException("@DataflowTest on " + where + ": processes must be at least 1, got "
            + Arrays.toString(processes));
      }
      if (p > 1 && !ClusterRuns.available()) {
        throw new ExtensionConfigurationException("@DataflowTest on " + where + ": processes = "
            + Arrays.toString(processes) + ": " + ClusterRuns.MISSING);
      }
    }
    List<Integer> workerCounts = Arrays.stream(workers).boxed().distinct().toList();
    DataflowRunner base = DataflowRunner.withWorkers(workers[0]).withTimeout(Duration.ofMillis(timeoutMillis))
        .withWorkerCounts(workerCounts);
    if (serdeCheck) {
      // the serde processes really use when the transport is there, else Java serialization
      base = ClusterRuns.available() ? base.withTransportSerdeCheck() : base.withSerdeCheck(allowed.toArray(new String[0]));
    }
    // one per method: its invocations compare outputs across worker counts once, not each time
    base = base.withSameOutputMemo(new SameOutputMemo());
    List<TestTemplateInvocationContext> contexts = new ArrayList<>();
    for (int p : processes) {
      for (int w : workerCounts) {
        contexts.add(new Invocation(p, w, base.atWorkers(w).withProcesses(p)));
      }
    }
    return contexts.stream();
  }

  private static Optional<DataflowTest> classAnnotation(Class<?> testClass) {
    for (Class<?> c = testClass; c != null; c = c.getEnclosingClass()) {
      Optional<DataflowTest> a = AnnotationSupport.findAnnotation(c, DataflowTest.class);
      if (a.isPresent()) {
        return a;
      }
    }
    return Optional.empty();
  }

  private static int[] pick(int[] method, Optional<int[]> cls, int[] fallback) {
    if (method.length > 0) {
      return method;
    }
    return cls.filter(a -> a.length > 0).orElse(fallback);
  }

  /** One invocation: its name and the runner it injects. */
  private record Invocation(int processes, int workersPerProcess, DataflowRunner runner)
      implements TestTemplateInvocationContext {
    @Override
    public String getDisplayName(int invocationIndex) {
      return Texts.displayName(processes, workersPerProcess);
    }

    @Override
    public List<Extension> getAdditionalExtensions() {
      return List.of(new RunnerResolver(runner), new NameTheInvocation(Texts.displayName(processes, workersPerProcess)));
    }
  }

  /**
   * Puts the invocation's configuration ({@code [2 processes × 4 workers]}) at the start of a
   * failure's message. Maven Surefire's closing summary names a failed invocation by JUnit's legacy
   * name ({@code method(DataflowRunner)[3]}; no setting or reporter changes that line) and prints
   * the message next to it, so a plain CI log shows which configuration failed. An assertion error
   * keeps its type (opentest4j's expected/actual included) and stack trace; another exception is
   * reported as an {@link InvocationFailedException} caused by it; an {@code Error} that is not an
   * assertion, or an aborted test, as it is, with the configuration added as a suppressed note.
   */
  private record NameTheInvocation(String configuration) implements TestExecutionExceptionHandler {
    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable t) throws Throwable {
      throw named(configuration, t);
    }
  }

  static Throwable named(String configuration, Throwable t) {
    String message = t.getMessage();
    if (message != null && message.startsWith(configuration)) {
      return t;
    }
    String prefixed = configuration + " " + (message == null ? t.getClass().getName() : message);
    Throwable out;
    if (t instanceof AssertionFailedError f) {
      out = new AssertionFailedError(prefixed, f.isExpectedDefined() ? f.getExpected() : null,
          f.isActualDefined() ? f.getActual() : null, t.getCause());
    } else if (t.getClass() == AssertionError.class) {
      out = new AssertionError(prefixed, t.getCause());
    } else if (t instanceof AssertionError) {
      // a subtype (e.g. DataflowTimeoutError, AssertJ's multiple-failures error): keep it as the cause
      out = new AssertionError(prefixed, t);
      out.setStackTrace(t.getStackTrace());
      return out;
    } else if (t instanceof Exception && !(t instanceof org.opentest4j.IncompleteExecutionException)) {
      // Surefire's closing summary prints the exception's message, not the invocation's name
      return new InvocationFailedException(configuration, t);
    } else {
      // an Error (OutOfMemoryError ...) or an aborted test (a failed assumption): as it is
      t.addSuppressed(new InvocationNote(configuration));
      return t;
    }
    out.setStackTrace(t.getStackTrace());
    for (Throwable s : t.getSuppressed()) {
      out.addSuppressed(s);
    }
    return out;
  }

  /** Names the invocation in the stack trace of a non-assertion failure. */
  static final class InvocationNote extends Exception {
    InvocationNote(String configuration) {
      super("in @DataflowTest invocation " + configuration, null, false, false);
    }
  }

  /** Injects the invocation's {@link DataflowRunner}. */
  private record RunnerResolver(DataflowRunner runner) implements ParameterResolver {
    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
      return parameter.getParameter().getType() == DataflowRunner.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
      return runner;
    }
  }
}
