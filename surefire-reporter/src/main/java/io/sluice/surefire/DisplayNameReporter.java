package io.sluice.surefire;

import java.io.File;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.maven.plugin.surefire.extensions.junit5.JUnit5StatelessTestsetInfoReporter;
import org.apache.maven.plugin.surefire.log.api.ConsoleLogger;
import org.apache.maven.plugin.surefire.report.ConsoleReporter;
import org.apache.maven.plugin.surefire.report.FileReporter;
import org.apache.maven.plugin.surefire.report.TestSetStats;
import org.apache.maven.plugin.surefire.report.WrappedReportEntry;
import org.apache.maven.surefire.extensions.StatelessTestsetInfoConsoleReportEventListener;
import org.apache.maven.surefire.extensions.StatelessTestsetInfoFileReportEventListener;

/**
 * Surefire's JUnit 5 test-set reporter (console and {@code target/surefire-reports/*.txt}), except
 * that each failed, errored (and, with {@code reportFormat=plain}, each listed) test is named by its
 * JUnit display name: a {@code @DataflowTest} invocation reads
 * {@code WordCountTest.countsAFewLines(DataflowRunner)[2 processes × 4 workers] -- Time elapsed ...}
 * where Surefire prints {@code countsAFewLines(DataflowRunner)[3]}, JUnit's legacy reporting name,
 * whatever its settings. A test without a display name of its own keeps its usual name.
 *
 * <p>Use it in the Surefire (or Failsafe) plugin's {@code <configuration>} as
 * {@code <statelessTestsetInfoReporter implementation="io.sluice.surefire.DisplayNameReporter"/>},
 * with this artifact as a dependency <em>of the plugin</em>; it takes the same settings as
 * Surefire's {@link JUnit5StatelessTestsetInfoReporter} ({@code usePhrasedFileName},
 * {@code usePhrasedClassNameInRunning}, {@code usePhrasedClassNameInTestCaseSummary}). Built
 * against Surefire 3.6.1. The closing summary ({@code [ERROR] Failures:} / {@code Errors:}) is
 * printed by Surefire itself and no reporter changes it (docs/TESTING.md).
 */
public class DisplayNameReporter extends JUnit5StatelessTestsetInfoReporter {
  /** Surefire creates it by reflection, then sets its properties. */
  public DisplayNameReporter() {}

  @Override
  public StatelessTestsetInfoConsoleReportEventListener<WrappedReportEntry, TestSetStats> createListener(
      ConsoleLogger logger) {
    return new ConsoleReporter(logger, isUsePhrasedClassNameInRunning(), isUsePhrasedClassNameInTestCaseSummary()) {
      @Override
      public void testSetCompleted(WrappedReportEntry report, TestSetStats stats, List<String> testResults) {
        super.testSetCompleted(report, stats, renamed(stats.getReportEntries(), testResults));
      }
    };
  }

  @Override
  public StatelessTestsetInfoFileReportEventListener<WrappedReportEntry, TestSetStats> createListener(
      File reportsDirectory, String reportNameSuffix, Charset encoding) {
    return new FileReporter(reportsDirectory, reportNameSuffix, encoding, isUsePhrasedFileName(),
        isUsePhrasedClassNameInRunning(), isUsePhrasedClassNameInTestCaseSummary()) {
      @Override
      public void testSetCompleted(WrappedReportEntry report, TestSetStats stats, List<String> testResults) {
        super.testSetCompleted(report, stats, renamed(stats.getReportEntries(), testResults));
      }
    };
  }

  /** Copies every setting (Surefire 3.6.1's own copy gives all three the value of {@code usePhrasedFileName}). */
  @Override
  public Object clone(ClassLoader target) {
    Object clone = super.clone(target);
    try {
      Class<?> cls = clone.getClass();
      cls.getMethod("setUsePhrasedFileName", boolean.class).invoke(clone, isUsePhrasedFileName());
      cls.getMethod("setUsePhrasedClassNameInRunning", boolean.class).invoke(clone, isUsePhrasedClassNameInRunning());
      cls.getMethod("setUsePhrasedClassNameInTestCaseSummary", boolean.class)
          .invoke(clone, isUsePhrasedClassNameInTestCaseSummary());
      return clone;
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot copy " + this + " into another class loader", e);
    }
  }

  @Override
  public String toString() {
    return "DisplayNameReporter{" + super.toString() + "}";
  }

  /**
   * {@code lines} (Surefire's per-test lines of one test set, each starting with the test's
   * {@link WrappedReportEntry#getFullName() full name}) with each test's full name replaced by
   * {@link #displayName its display name}, in order; lines that name no entry are kept as they are.
   */
  static List<String> renamed(Collection<WrappedReportEntry> entries, List<String> lines) {
    List<WrappedReportEntry> left = new ArrayList<>(entries);
    List<String> out = new ArrayList<>(lines.size());
    for (String line : lines) {
      String renamed = line;
      for (int i = 0; i < left.size(); i++) {
        WrappedReportEntry e = left.get(i);
        String full = e.getFullName();
        if (full != null && line.startsWith(full + " ")) {
          renamed = displayName(e) + line.substring(full.length());
          left.remove(i);
          break;
        }
      }
      out.add(renamed);
    }
    return out;
  }

  /** {@code Class.displayName} where JUnit gave the test a display name of its own, else Surefire's full name. */
  static String displayName(WrappedReportEntry e) {
    String text = e.getNameText();
    if (e.getName() == null || text == null || text.isBlank()) {
      return e.getFullName();
    }
    return e.getSourceName() + "." + text;
  }
}
