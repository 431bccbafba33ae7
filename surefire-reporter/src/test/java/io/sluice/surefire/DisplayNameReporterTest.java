package io.sluice.surefire;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.apache.maven.plugin.surefire.log.api.ConsoleLogger;
import org.apache.maven.plugin.surefire.report.ReportEntryType;
import org.apache.maven.plugin.surefire.report.TestSetStats;
import org.apache.maven.plugin.surefire.report.WrappedReportEntry;
import org.apache.maven.surefire.api.report.RunMode;
import org.apache.maven.surefire.api.report.SimpleReportEntry;
import org.junit.jupiter.api.Test;

class DisplayNameReporterTest {
  private static final String CLASS = "com.acme.WordCountTest";

  /** What Surefire's JUnit Platform provider reports for a test: legacy name and display name. */
  private static WrappedReportEntry entry(String name, String nameText, ReportEntryType type) {
    return new WrappedReportEntry(new SimpleReportEntry(RunMode.NORMAL_RUN, 1L, CLASS, null, name, nameText),
        type, 0L, 142, null, null);
  }

  private static TestSetStats stats(WrappedReportEntry... entries) {
    TestSetStats stats = new TestSetStats(false, false);
    for (WrappedReportEntry e : entries) {
      switch (e.getReportEntryType()) {
        case FAILURE -> stats.testFailure(e);
        case ERROR -> stats.testError(e);
        default -> stats.testSucceeded(e);
      }
    }
    return stats;
  }

  @Test
  void aFailedInvocationIsNamedByItsConfigurationOnTheConsole() {
    TestSetStats stats = stats(
        entry("countsAFewLines(DataflowRunner)[1]", "countsAFewLines(DataflowRunner)[1 worker]", ReportEntryType.SUCCESS),
        entry("countsAFewLines(DataflowRunner)[3]", "countsAFewLines(DataflowRunner)[2 processes × 4 workers]",
            ReportEntryType.FAILURE),
        entry("plain()", null, ReportEntryType.ERROR));
    List<String> printed = new ArrayList<>();
    var reporter = new DisplayNameReporter().createListener(capturing(printed));
    reporter.testSetCompleted(entry(null, null, ReportEntryType.SUCCESS), stats, stats.getTestResults());

    assertThat(stats.getTestResults()).anyMatch(l -> l.startsWith(CLASS + ".countsAFewLines(DataflowRunner)[3] -- "));
    assertThat(printed).anyMatch(l -> l.startsWith(
        CLASS + ".countsAFewLines(DataflowRunner)[2 processes × 4 workers] -- Time elapsed: 0.142 s <<< FAILURE!"));
    assertThat(printed).anyMatch(l -> l.startsWith(CLASS + ".plain() -- Time elapsed"));
    assertThat(printed).noneMatch(l -> l.contains("[3]"));
  }

  @Test
  void linesThatNameNoEntryAreKept() {
    WrappedReportEntry e = entry("m(DataflowRunner)[2]", "m(DataflowRunner)[2 workers]", ReportEntryType.FAILURE);
    assertThat(DisplayNameReporter.renamed(List.of(e), List.of("something else", CLASS + ".m(DataflowRunner)[2] -- x")))
        .containsExactly("something else", CLASS + ".m(DataflowRunner)[2 workers] -- x");
  }

  @Test
  void itsSettingsSurviveACopyIntoAnotherClassLoader() {
    DisplayNameReporter r = new DisplayNameReporter();
    r.setUsePhrasedClassNameInRunning(true);
    r.setUsePhrasedClassNameInTestCaseSummary(true);
    DisplayNameReporter copy = (DisplayNameReporter) r.clone(getClass().getClassLoader());
    assertThat(copy.isUsePhrasedFileName()).isFalse();
    assertThat(copy.isUsePhrasedClassNameInRunning()).isTrue();
    assertThat(copy.isUsePhrasedClassNameInTestCaseSummary()).isTrue();
  }

  private static ConsoleLogger capturing(List<String> lines) {
    return new ConsoleLogger() {
      @Override public boolean isDebugEnabled() { return false; }
      @Override public void debug(String message) {}
      @Override public boolean isInfoEnabled() { return true; }
      @Override public void info(String message) { lines.add(message); }
      @Override public boolean isWarnEnabled() { return true; }
      @Override public void warning(String message) { lines.add(message); }
      @Override public boolean isErrorEnabled() { return true; }
      @Override public void error(String message) { lines.add(message); }
      @Override public void error(String message, Throwable t) { lines.add(message); }
      @Override public void error(Throwable t) {}
    };
  }
}
