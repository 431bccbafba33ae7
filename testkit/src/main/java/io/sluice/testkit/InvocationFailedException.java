package io.sluice.testkit;

/**
 * What a {@link DataflowTest} invocation reports when its test method throws an exception that is
 * not an assertion (a {@code StepFailedException}, an {@code IllegalStateException} ...): the
 * exception is the {@linkplain #getCause() cause}, and the message starts with the invocation's
 * configuration and the exception, e.g.
 * {@code [2 processes × 4 workers] io.sluice.run.StepFailedException: step 'parse' failed ...}, so
 * that every line a build tool prints for the failure names the configuration (Maven Surefire's
 * closing summary names an invocation by its number, {@code countsAFewLines(DataflowRunner)[3]}).
 * The stack trace is the exception's. Only what JUnit reports is wrapped: inside the test method,
 * {@code runner.run} throws the exception itself, and extensions registered on the test class
 * see it before the wrapping.
 */
public final class InvocationFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  InvocationFailedException(String configuration, Throwable cause) {
    super(configuration + " " + cause, cause);
    setStackTrace(cause.getStackTrace());
  }
}
