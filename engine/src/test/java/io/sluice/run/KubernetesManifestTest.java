package io.sluice.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import picocli.CommandLine;

/**
 * deploy/kubernetes/sluice.yaml agrees with what {@code sluice run} reads: the environment
 * variables the CLI's options default to, one address per replica in ordinal order under the
 * headless Service, the ports, the process id from each pod's hostname, readiness from /health.
 */
class KubernetesManifestTest {
  private static final Path MANIFEST = Path.of("..", "deploy", "kubernetes", "sluice.yaml");
  private static Map<String, Object> service;
  private static Map<String, Object> statefulSet;
  private static Map<String, Object> claim;

  @BeforeAll
  static void parse() throws IOException {
    List<Map<String, Object>> docs = new ArrayList<>();
    try (Reader r = Files.newBufferedReader(MANIFEST)) {
      for (Object doc : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(r)) {
        docs.add(map(doc));
      }
    }
    service = only(docs, "Service");
    statefulSet = only(docs, "StatefulSet");
    claim = only(docs, "PersistentVolumeClaim");
  }

  @Test
  void theHeadlessServiceSelectsTheStatefulSetsPodsAndPublishesThemBeforeTheyAreReady() {
    Map<String, Object> spec = map(service.get("spec"));
    assertThat(spec.get("clusterIP")).isEqualTo("None");
    assertThat(spec.get("publishNotReadyAddresses")).isEqualTo(true);
    Map<String, Object> sts = map(statefulSet.get("spec"));
    assertThat(sts.get("serviceName")).isEqualTo(name(service));
    assertThat(sts.get("podManagementPolicy")).isEqualTo("Parallel");
    Map<String, Object> podLabels = map(map(map(sts.get("template")).get("metadata")).get("labels"));
    assertThat(podLabels).containsAllEntriesOf(map(spec.get("selector")))
        .containsAllEntriesOf(map(map(sts.get("selector")).get("matchLabels")));
  }

  @Test
  void everyReplicaIsListedInOrdinalOrderAndItsHostnameGivesItsProcessId() {
    int replicas = (Integer) map(statefulSet.get("spec")).get("replicas");
    Map<String, String> env = env();
    assertThat(env).doesNotContainKey("SLUICE_PROCESS_ID"); // the id comes from the hostname
    List<String> addresses = List.of(env.get("SLUICE_ADDRESSES").split(";", -1));
    assertThat(addresses).hasSize(replicas);
    int clusterPort = containerPort("cluster");
    for (int i = 0; i < replicas; i++) {
      String podName = name(statefulSet) + "-" + i;
      assertThat(addresses.get(i)).isEqualTo(podName + "." + name(service) + ":" + clusterPort);
      RunConfig.checkAddress(addresses.get(i));
      // what the pod's hostname (its name) gives, with and without the DNS suffix
      assertThat(Monitoring.ordinalOf(podName)).hasValue(i);
      assertThat(Monitoring.ordinalOf(podName + "." + name(service) + ".default.svc.cluster.local")).hasValue(i);
      // the CLI takes that id and accepts the address list: it gets as far as needing a transport,
      // which the engine's tests do not have
      java.io.StringWriter err = new java.io.StringWriter();
      int exit = Cli.execute(new String[] {"run", CliTest.Flows.class.getName(), "-a", env.get("SLUICE_ADDRESSES"),
          "-w", env.get("SLUICE_WORKERS_PER_PROCESS"), "--hostname", podName},
          new java.io.PrintWriter(new java.io.StringWriter(), true), new java.io.PrintWriter(err, true));
      assertThat(err.toString()).contains("process id " + i + " (from hostname " + podName + ")");
      assertThat(exit).isEqualTo(1);
    }
  }

  @Test
  void portsAgreeBetweenContainerServiceProbesAndTheCli() {
    int metricsPort = containerPort("metrics");
    Map<String, String> env = env();
    assertThat(Integer.parseInt(env.get("SLUICE_METRICS_PORT"))).isEqualTo(metricsPort);
    assertThat(servicePort("metrics")).isEqualTo(metricsPort);
    assertThat(servicePort("cluster")).isEqualTo(containerPort("cluster"));
    assertThat(portProtocol(containerPorts(), "cluster")).isEqualTo("UDP"); // Aeron
    for (String probe : List.of("readinessProbe", "livenessProbe")) {
      Map<String, Object> get = map(map(container().get(probe)).get("httpGet"));
      assertThat(get.get("path")).isEqualTo("/health");
      Object port = get.get("port");
      int probePort = port instanceof Integer p ? p : containerPort((String) port);
      assertThat(probePort).isEqualTo(metricsPort);
    }
    Map<String, Object> annotations = map(map(map(map(statefulSet.get("spec")).get("template")).get("metadata"))
        .get("annotations"));
    assertThat(annotations).containsEntry("prometheus.io/port", String.valueOf(metricsPort))
        .containsEntry("prometheus.io/path", "/metrics");
  }

  @Test
  void theEnvironmentIsWhatTheCliOptionsDefaultTo() throws NoSuchFieldException {
    assertThat(envDefault("addresses")).isEqualTo("${env:SLUICE_ADDRESSES}");
    assertThat(envDefault("workers")).isEqualTo("${env:SLUICE_WORKERS_PER_PROCESS:-1}");
    assertThat(envDefault("metricsPort")).isEqualTo("${env:SLUICE_METRICS_PORT}");
    assertThat(envDefault("processId")).isEqualTo("${env:SLUICE_PROCESS_ID}");
    assertThat(Integer.parseInt(env().get("SLUICE_WORKERS_PER_PROCESS"))).isPositive();
  }

  @Test
  void theClusterSecretComesFromASecretAndRecoveryFromASharedVolume() {
    Map<String, Object> secretEnv = envEntries().stream().filter(e -> "SLUICE_CLUSTER_SECRET".equals(e.get("name")))
        .findFirst().orElseThrow();
    Map<String, Object> ref = map(map(secretEnv.get("valueFrom")).get("secretKeyRef"));
    assertThat(ref).containsKeys("name", "key");
    assertThat(secretEnv).doesNotContainKey("value");

    List<Map<String, Object>> mounts = list(container().get("volumeMounts"));
    Map<String, Object> recoveryMount = mounts.stream().filter(m -> "recovery".equals(m.get("name"))).findFirst()
        .orElseThrow();
    assertThat(recoveryMount.get("mountPath")).isEqualTo("/var/lib/sluice/recovery");
    List<Map<String, Object>> volumes = list(map(map(map(statefulSet.get("spec")).get("template")).get("spec"))
        .get("volumes"));
    Map<String, Object> recovery = volumes.stream().filter(v -> "recovery".equals(v.get("name"))).findFirst()
        .orElseThrow();
    assertThat(map(recovery.get("persistentVolumeClaim")).get("claimName")).isEqualTo(name(claim));
    assertThat(list(map(claim.get("spec")).get("accessModes"))).isNotEmpty();
    assertThat(map(claim.get("spec")).get("accessModes").toString()).contains("ReadWriteMany");
    assertThat(mounts).anyMatch(m -> "/dev/shm".equals(m.get("mountPath"))); // Aeron's driver files

    // sluice run snapshots to that mount, and the CLI accepts the recovery options given
    List<String> args = stringList(container().get("args"));
    assertThat(args.get(args.indexOf("-r") + 1)).isEqualTo(recoveryMount.get("mountPath"));
    assertThat(Cli.Durations.parse("-s", args.get(args.indexOf("-s") + 1))).isPositive();
    assertThat(args.indexOf("-r")).isLessThan(args.indexOf("--"));
  }

  @Test
  void theInitJobCreatesTheStoreWhereTheProcessesReadIt() throws IOException {
    Map<String, Object> job;
    try (Reader r = Files.newBufferedReader(MANIFEST.resolveSibling("recovery-init-job.yaml"))) {
      job = map(new Yaml(new SafeConstructor(new LoaderOptions())).load(r));
    }
    assertThat(job.get("kind")).isEqualTo("Job");
    Map<String, Object> podSpec = map(map(map(job.get("spec")).get("template")).get("spec"));
    Map<String, Object> init = list(podSpec.get("containers")).get(0);
    List<String> args = stringList(init.get("args"));
    assertThat(args.subList(0, 2)).containsExactly("recovery", "init");
    List<String> runArgs = stringList(container().get("args"));
    assertThat(args.get(2)).isEqualTo(runArgs.get(runArgs.indexOf("-r") + 1));
    assertThat(Integer.parseInt(args.get(3))).isPositive();
    assertThat(init.get("image")).isEqualTo(container().get("image"));
    Map<String, Object> volume = list(podSpec.get("volumes")).get(0);
    assertThat(map(volume.get("persistentVolumeClaim")).get("claimName")).isEqualTo(name(claim));
    assertThat(list(init.get("volumeMounts")).get(0).get("mountPath")).isEqualTo(args.get(2));
  }

  /** The default value (an environment variable) of a field's option in {@code sluice run}. */
  private static String envDefault(String field) throws NoSuchFieldException {
    return Cli.Run.class.getDeclaredField(field).getAnnotation(CommandLine.Option.class).defaultValue();
  }

  // ------------------------------------------------------------------ reading the manifest

  private static Map<String, Object> container() {
    Map<String, Object> podSpec = map(map(map(statefulSet.get("spec")).get("template")).get("spec"));
    List<Map<String, Object>> containers = list(podSpec.get("containers"));
    assertThat(containers).hasSize(1);
    return containers.get(0);
  }

  private static List<Map<String, Object>> envEntries() {
    return list(container().get("env"));
  }

  private static Map<String, String> env() {
    return envEntries().stream().filter(e -> e.containsKey("value"))
        .collect(Collectors.toMap(e -> (String) e.get("name"), e -> String.valueOf(e.get("value"))));
  }

  private static List<Map<String, Object>> containerPorts() {
    return list(container().get("ports"));
  }

  private static int containerPort(String name) {
    return containerPorts().stream().filter(p -> name.equals(p.get("name"))).map(p -> (Integer) p.get("containerPort"))
        .findFirst().orElseThrow(() -> new AssertionError("no container port named " + name));
  }

  private static int servicePort(String name) {
    return list(map(service.get("spec")).get("ports")).stream().filter(p -> name.equals(p.get("name")))
        .map(p -> (Integer) p.get("port")).findFirst().orElseThrow(() -> new AssertionError("no service port " + name));
  }

  private static String portProtocol(List<Map<String, Object>> ports, String name) {
    return ports.stream().filter(p -> name.equals(p.get("name"))).map(p -> (String) p.get("protocol")).findFirst()
        .orElse("TCP");
  }

  private static String name(Map<String, Object> doc) {
    return (String) map(doc.get("metadata")).get("name");
  }

  private static Map<String, Object> only(List<Map<String, Object>> docs, String kind) {
    List<Map<String, Object>> found = docs.stream().filter(d -> kind.equals(d.get("kind"))).toList();
    assertThat(found).as("%s documents in %s", kind, MANIFEST).hasSize(1);
    return found.get(0);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    assertThat(o).isInstanceOf(Map.class);
    return (Map<String, Object>) o;
  }

  @SuppressWarnings("unchecked")
  private static List<String> stringList(Object o) {
    assertThat(o).isInstanceOf(List.class);
    return (List<String>) o;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> list(Object o) {
    assertThat(o).isInstanceOf(List.class);
    return (List<Map<String, Object>>) o;
  }
}
