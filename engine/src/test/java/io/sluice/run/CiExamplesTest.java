package io.sluice.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The CI files of docs/ci/ parse as YAML and do what docs/TESTING.md ("In CI") says: run
 * {@code mvn verify}, cache the Maven repository, and publish the Surefire XML reports. (Checked by
 * parsing: no GitHub or GitLab runner is reachable from here.)
 */
class CiExamplesTest {
  private static final Path CI = Path.of("..", "docs", "ci");

  @SuppressWarnings("unchecked")
  private static Map<String, Object> load(String file) throws IOException {
    try (Reader r = Files.newBufferedReader(CI.resolve(file))) {
      return (Map<String, Object>) new Yaml(new SafeConstructor(new LoaderOptions())).load(r);
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void gitHubActionsRunsVerifyCachesMavenAndPublishesTheReports() throws IOException {
    Map<String, Object> wf = load("github-actions.yml");
    Map<String, Object> job = (Map<String, Object>) ((Map<String, Object>) wf.get("jobs")).get("verify");
    List<Map<String, Object>> steps = (List<Map<String, Object>>) job.get("steps");
    assertThat(steps).anySatisfy(s -> assertThat((String) s.get("run")).contains("mvnw").contains(" verify"));
    assertThat(steps).anySatisfy(s -> {
      assertThat((String) s.get("uses")).startsWith("actions/setup-java@");
      assertThat(((Map<String, Object>) s.get("with")).get("cache")).isEqualTo("maven");
    });
    assertThat(steps).anySatisfy(s -> {
      assertThat((String) s.get("uses")).startsWith("dorny/test-reporter@");
      assertThat((String) ((Map<String, Object>) s.get("with")).get("path")).contains("target/surefire-reports/TEST-*.xml");
      assertThat((String) s.get("if")).contains("!cancelled()");
    });
  }

  @Test
  @SuppressWarnings("unchecked")
  void gitLabCiRunsVerifyCachesMavenAndPublishesTheReports() throws IOException {
    Map<String, Object> ci = load("gitlab-ci.yml");
    assertThat((String) ((Map<String, Object>) ci.get("variables")).get("MAVEN_OPTS"))
        .contains("-Dmaven.repo.local=$CI_PROJECT_DIR/.m2/repository");
    assertThat((List<String>) ((Map<String, Object>) ci.get("cache")).get("paths")).contains(".m2/repository/");
    Map<String, Object> job = (Map<String, Object>) ci.get("verify");
    assertThat((List<String>) job.get("script")).anySatisfy(line -> assertThat(line).contains("mvnw").contains(" verify"));
    Map<String, Object> artifacts = (Map<String, Object>) job.get("artifacts");
    assertThat(artifacts.get("when")).isEqualTo("always");
    assertThat((List<String>) ((Map<String, Object>) artifacts.get("reports")).get("junit"))
        .contains("**/target/surefire-reports/TEST-*.xml");
  }
}
