package io.sluice.run;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The CLI's checks of a cluster's settings, before anything starts: each problem is a usage error
 * naming the process and the setting, instead of a timeout or a vague failure later.
 */
final class ClusterOptions {
  /** The environment variable holding the cluster secret (read by the transport too). */
  static final String SECRET_ENV = "SLUICE_CLUSTER_SECRET";
  /** The system property through which the CLI hands the transport a secret file. */
  static final String SECRET_FILE_PROPERTY = "sluice.cluster.secretFile";
  /** The system property through which the CLI tells the transport to run without a secret. */
  static final String INSECURE_PROPERTY = "sluice.cluster.insecure";
  static final int MIN_SECRET_BYTES = 16;
  /** The most workers one process may run (each is a thread; each pair of workers gets a channel per exchange step). */
  static final int MAX_WORKERS = 1024;

  private ClusterOptions() {}

  /** Checks every address of {@code -a}; returns what is wrong, or null. */
  static String checkAddresses(List<String> addresses) {
    Map<InetSocketAddress, Integer> seen = new HashMap<>();
    for (int p = 0; p < addresses.size(); p++) {
      String a = addresses.get(p);
      if (a.isEmpty()) {
        return "-a: the address of process " + p + " is empty (a stray ';'?)";
      }
      if (!a.equals(a.strip()) || a.chars().anyMatch(Character::isWhitespace)) {
        return "-a: the address of process " + p + ", '" + a + "', contains a space: separate addresses with ';' only";
      }
      try {
        RunConfig.checkAddress(a);
      } catch (IllegalArgumentException e) {
        return "-a: process " + p + ": " + e.getMessage();
      }
      int colon = a.lastIndexOf(':');
      String host = a.substring(0, colon);
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      InetSocketAddress resolved;
      try {
        resolved = new InetSocketAddress(InetAddress.getByName(host), Integer.parseInt(a.substring(colon + 1)));
      } catch (UnknownHostException e) {
        return "-a: the host of process " + p + ", '" + host + "', cannot be resolved";
      }
      Integer other = seen.put(resolved, p);
      if (other != null) {
        return "-a: processes " + other + " and " + p + " have the same address (" + addresses.get(other) + ", " + a
            + "): each process needs its own host:port";
      }
    }
    return null;
  }

  /**
   * Checks how a multi-process run proves membership: the secret from {@code SLUICE_CLUSTER_SECRET}
   * or {@code --cluster-secret-file}, or {@code --insecure-cluster}. Returns what is wrong, or null.
   */
  static String checkSecret(String envSecret, Path secretFile, boolean insecure) {
    int ways = (envSecret != null ? 1 : 0) + (secretFile != null ? 1 : 0) + (insecure ? 1 : 0);
    if (ways == 0) {
      return "a cluster of several processes needs a shared secret, so that only its own processes can join it:"
          + " set " + SECRET_ENV + " (at least " + MIN_SECRET_BYTES + " bytes, the same in every process) or give"
          + " --cluster-secret-file; or, on a network you trust completely, --insecure-cluster";
    }
    if (ways > 1) {
      return "give the cluster secret one way only: " + SECRET_ENV + ", --cluster-secret-file or --insecure-cluster";
    }
    if (envSecret != null && envSecret.getBytes(StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
      return SECRET_ENV + " has " + envSecret.getBytes(StandardCharsets.UTF_8).length + " bytes; it needs at least "
          + MIN_SECRET_BYTES;
    }
    if (secretFile != null) {
      long size;
      try {
        size = Files.size(secretFile);
        if (!Files.isReadable(secretFile)) {
          return "--cluster-secret-file " + secretFile + " is not readable";
        }
      } catch (IOException e) {
        return "--cluster-secret-file " + secretFile + " cannot be read: " + e.getMessage();
      }
      if (size < MIN_SECRET_BYTES) {
        return "--cluster-secret-file " + secretFile + " has " + size + " bytes; it needs at least " + MIN_SECRET_BYTES;
      }
    }
    return null;
  }

  /** Hands the secret choice to the transport (system properties it reads at start); undone by {@link #clear}. */
  static void apply(Path secretFile, boolean insecure) {
    if (secretFile != null) {
      System.setProperty(SECRET_FILE_PROPERTY, secretFile.toAbsolutePath().toString());
    }
    if (insecure) {
      System.setProperty(INSECURE_PROPERTY, "true");
    }
  }

  static void clear() {
    System.clearProperty(SECRET_FILE_PROPERTY);
    System.clearProperty(INSECURE_PROPERTY);
  }
}
