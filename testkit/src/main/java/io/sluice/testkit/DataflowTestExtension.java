package io.sluice.testkit;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.agrona.IoUtil;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.Extension;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestTemplateInvocationContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestTemplateInvocationContextProvider;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.commons.support.ReflectionSupport;
import org.opentest4j.AssertionFailedError;

/**
 * Turns a {@link DataflowTest} method into one invocation per (processes, workers) pair, each named
 * {@code [4 workers]} and given a {@link DataflowRunner} for its worker count; with
 * {@link CrashPoints}, one per (processes, workers, crash point, resume processes, resume workers),
 * each also given a {@link RecoveryScenario}.
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
    Optional<CrashPoints> crashPoints = AnnotationSupport.findAnnotation(method, CrashPoints.class);
    Optional<ResumeWith> resumeWith = AnnotationSupport.findAnnotation(method, ResumeWith.class);
    if (resumeWith.isPresent() && crashPoints.isEmpty()) {
      throw new ExtensionConfigurationException("@ResumeWith on " + where + " needs @CrashPoints: a resume follows a"
          + " crash");
    }
    List<Crash> crashes = crashPoints.isEmpty() ? List.of() : crashes(testClass, crashPoints.get(), where);
    int[] resumeWorkers = resumeWith.map(ResumeWith::workers).orElse(new int[0]);
    int[] resumeProcesses = resumeWith.map(ResumeWith::processes).orElse(new int[0]);
    check(resumeWorkers, "@ResumeWith on " + where + ": workers", false);
    check(resumeProcesses, "@ResumeWith on " + where + ": processes", true);
    List<TestTemplateInvocationContext> contexts = new ArrayList<>();
    for (int p : processes) {
      for (int w : workerCounts) {
        DataflowRunner runner = base.atWorkers(w).withProcesses(p);
        if (crashPoints.isEmpty()) {
          contexts.add(new Invocation(p, w, runner));
          continue;
        }
        for (Crash crash : crashes) {
          for (int rp : resumeProcesses.length == 0 ? new int[] {p} : distinct(resumeProcesses)) {
            for (int rw : resumeWorkers.length == 0 ? new int[] {w} : distinct(resumeWorkers)) {
              contexts.add(new ScenarioInvocation(p, w, crash, rp, rw, runner));
            }
          }
        }
      }
    }
    return contexts.stream();
  }

  private static int[] distinct(int[] counts) {
    return Arrays.stream(counts).distinct().toArray();
  }

  private static void check(int[] counts, String what, boolean processes) {
    for (int n : counts) {
      if (n < 1) {
        throw new ExtensionConfigurationException(what + " must be at least 1, got " + Arrays.toString(counts));
      }
      if (processes && n > 1 && !ClusterRuns.available()) {
        throw new ExtensionConfigurationException(what + " = " + Arrays.toString(counts) + ": " + ClusterRuns.MISSING);
      }
    }
  }

  /** Calls the {@link CrashPoints} methods: static, no arguments, returning a Stream, Iterable or array of Crash. */
  private static List<Crash> crashes(Class<?> testClass, CrashPoints points, String where) {
    if (points.value().length == 0) {
      throw new ExtensionConfigurationException("@CrashPoints on " + where + " names no method");
    }
    List<Crash> crashes = new ArrayList<>();
    for (String name : points.value()) {
      Method factory = null;
      for (Class<?> c = testClass; c != null && factory == null; c = c.getEnclosingClass()) {
        factory = ReflectionSupport.findMethod(c, name).orElse(null);
      }
      if (factory == null || !Modifier.isStatic(factory.getModifiers())) {
        throw new ExtensionConfigurationException("@CrashPoints on " + where + ": no static, no-argument method '"
            + name + "' in " + testClass.getName() + " or a class enclosing it");
      }
      Object result = ReflectionSupport.invokeMethod(factory, null);
      Iterable<?> items;
      if (result instanceof Stream<?> stream) {
        items = stream.toList();
      } else if (result instanceof Iterable<?> iterable) {
        items = iterable;
      } else if (result instanceof Object[] array) {
        items = Arrays.asList(array);
      } else {
        throw new ExtensionConfigurationException("@CrashPoints on " + where + ": method '" + name
            + "' must return a Stream, Iterable or array of Crash, got " + (result == null ? "null" : result.getClass().getName()));
      }
      int before = crashes.size();
      for (Object o : items) {
        if (!(o instanceof Crash crash)) {
          throw new ExtensionConfigurationException("@CrashPoints on " + where + ": method '" + name
              + "' gave " + Texts.item(o) + ", not a Crash");
        }
        crashes.add(crash);
      }
      if (crashes.size() == before) {
        throw new ExtensionConfigurationException("@CrashPoints on " + where + ": method '" + name
            + "' gave no crash points");
      }
    }
    return crashes;
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
      return List.of(new RunnerResolver(runner), new NoScenario(),
          new NameTheInvocation(Texts.displayName(processes, workersPerProcess)));
    }
  }

  /**
   * One invocation of a {@link CrashPoints} test: crashed configuration, crash point, resume
   * configuration; a {@link RecoveryScenario} with a fresh recovery directory injected. Skipped
   * (with the reason) when the crash names a worker the configuration does not have.
   */
  private record ScenarioInvocation(int processes, int workersPerProcess, Crash crash, int resumeProcesses,
      int resumeWorkers, DataflowRunner runner) implements TestTemplateInvocationContext {
    String name() {
      return "[" + RecoveryScenario.describe(processes, workersPerProcess, crash, resumeProcesses, resumeWorkers) + "]";
    }

    @Override
    public String getDisplayName(int invocationIndex) {
      return name();
    }

    @Override
    public List<Extension> getAdditionalExtensions() {
      return List.of(new RunnerResolver(runner), new ScenarioResolver(this), new NameTheInvocation(name()));
    }
  }

  /** Makes the invocation's recovery directory before it, deletes it after it, and injects its {@link RecoveryScenario}. */
  private record ScenarioResolver(ScenarioInvocation invocation)
      implements ParameterResolver, BeforeEachCallback, AfterEachCallback, ExecutionCondition {
    private static final ExtensionContext.Namespace NAMESPACE =
        ExtensionContext.Namespace.create(ScenarioResolver.class);

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
      int total = invocation.processes() * invocation.workersPerProcess();
      if (invocation.crash().worker() >= total) {
        return ConditionEvaluationResult.disabled("the crash point is on worker " + invocation.crash().worker()
            + ", and a run of " + Texts.deployment(invocation.processes(), invocation.workersPerProcess())
            + " has workers 0.." + (total - 1) + " only");
      }
      return ConditionEvaluationResult.enabled("the crash point's worker exists");
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
      Path dir = Files.createTempDirectory("sluice-recovery-");
      context.getStore(NAMESPACE).put(Path.class, dir);
    }

    @Override
    public void afterEach(ExtensionContext context) {
      Path dir = context.getStore(NAMESPACE).remove(Path.class, Path.class);
      if (dir != null) {
        IoUtil.delete(dir.toFile(), true);
      }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
      return parameter.getParameter().getType() == RecoveryScenario.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
      Path dir = context.getStore(NAMESPACE).get(Path.class, Path.class);
      if (dir == null) {
        throw new ParameterResolutionException("no recovery directory for " + invocation.name()
            + ": RecoveryScenario is a parameter of the test method only");
      }
      return new RecoveryScenario(invocation.crash(), invocation.processes(), invocation.workersPerProcess(),
          invocation.resumeProcesses(), invocation.resumeWorkers(), dir);
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

  /** A {@link RecoveryScenario} parameter without {@link CrashPoints}: says what is missing. */
  private record NoScenario() implements ParameterResolver {
    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
      return parameter.getParameter().getType() == RecoveryScenario.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
      throw new ParameterResolutionException("a RecoveryScenario parameter needs @CrashPoints on the test method"
          + " (and optionally @ResumeWith): it is one crash point and one resume configuration of them");
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
