package io.sluice.aeron;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The secret the processes of one cluster share, with which each proves to the others that it is a
 * member (an HMAC-SHA256 over the other side's fresh challenge, see {@link Membership}). Where it
 * comes from, first found wins ({@link #resolve()}):
 * <ol>
 *   <li>the environment variable {@value #ENV} (at least {@value #MIN_LENGTH} bytes of UTF-8);</li>
 *   <li>the file named by the system property {@value #FILE_PROPERTY} (the CLI's
 *       {@code --cluster-secret-file}; its bytes, trailing line break dropped, at least
 *       {@value #MIN_LENGTH});</li>
 *   <li>{@value #INSECURE_PROPERTY}{@code =true} (the CLI's {@code --insecure-cluster}): no secret,
 *       membership is not proven (every other check still runs);</li>
 *   <li>otherwise a secret generated once per JVM: every in-JVM cluster ({@link LocalCluster}, the
 *       testkit's {@code @DataflowTest(processes = n)}) shares it, and processes of other JVMs cannot
 *       join. The CLI never gets here: it refuses a multi-process run without one of the above.</li>
 * </ol>
 */
public final class ClusterSecret {
  /** Environment variable holding the secret. */
  public static final String ENV = "SLUICE_CLUSTER_SECRET";
  /** System property naming a file that holds the secret. */
  public static final String FILE_PROPERTY = "sluice.cluster.secretFile";
  /** System property that, set to {@code true}, runs the cluster without proving membership. */
  public static final String INSECURE_PROPERTY = "sluice.cluster.insecure";
  /** Shortest secret accepted, in bytes. */
  public static final int MIN_LENGTH = 16;
  static final int MAC_LENGTH = 32;
  private static final String ALGORITHM = "HmacSHA256";
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final ClusterSecret THIS_JVM = generate();

  private final byte[] key;
  private final String source;

  private ClusterSecret(byte[] key, String source) {
    this.key = key;
    this.source = source;
  }

  /** A secret from these bytes (at least {@value #MIN_LENGTH}). */
  public static ClusterSecret of(byte[] key, String source) {
    if (key.length < MIN_LENGTH) {
      throw new IllegalArgumentException("the cluster secret from " + source + " has " + key.length
          + " bytes; it needs at least " + MIN_LENGTH);
    }
    return new ClusterSecret(key.clone(), source);
  }

  /** A fresh random secret (32 bytes from {@link SecureRandom}). */
  public static ClusterSecret generate() {
    byte[] key = new byte[32];
    RANDOM.nextBytes(key);
    return new ClusterSecret(key, "a generated secret");
  }

  /** The secret every in-JVM cluster of this JVM uses when nothing else is configured. */
  public static ClusterSecret thisJvm() {
    return THIS_JVM;
  }

  /** No secret: membership is not proven. */
  public static ClusterSecret insecure() {
    return new ClusterSecret(null, "--insecure-cluster");
  }

  /** The secret as text for {@value #ENV} of a child process (hex; for forked test clusters). */
  public String toEnvironmentValue() {
    if (key == null) {
      throw new IllegalStateException("an insecure cluster has no secret");
    }
    return HexFormat.of().formatHex(key);
  }

  /** Reads the secret from a file: its bytes, without one trailing line break. */
  public static ClusterSecret fromFile(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the cluster secret file " + file + ": " + e.getMessage(), e);
    }
    int end = bytes.length;
    if (end > 0 && bytes[end - 1] == '\n') {
      end--;
    }
    if (end > 0 && bytes[end - 1] == '\r') {
      end--;
    }
    return of(Arrays.copyOf(bytes, end), "file " + file);
  }

  /** The secret from the environment, a file, insecure mode, or this JVM's generated one (see the class doc). */
  public static ClusterSecret resolve() {
    String env = System.getenv(ENV);
    if (env != null) {
      return of(env.getBytes(StandardCharsets.UTF_8), "environment variable " + ENV);
    }
    String file = System.getProperty(FILE_PROPERTY);
    if (file != null) {
      return fromFile(Path.of(file));
    }
    if (Boolean.getBoolean(INSECURE_PROPERTY)) {
      return insecure();
    }
    return THIS_JVM;
  }

  /** Whether membership is proven (false only for {@link #insecure()}). */
  public boolean isSecure() {
    return key != null;
  }

  /** Where the secret came from, for messages (never the secret itself). */
  public String source() {
    return source;
  }

  /** HMAC-SHA256 of {@code message} under this secret; 32 zero bytes when insecure. */
  byte[] mac(byte[] message) {
    if (key == null) {
      return new byte[MAC_LENGTH];
    }
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(new SecretKeySpec(key, ALGORITHM));
      return mac.doFinal(message);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK lacks " + ALGORITHM, e);
    }
  }

  /** Whether {@code mac} is this secret's MAC of {@code message} (constant time); always true when insecure. */
  boolean verify(byte[] message, byte[] mac) {
    return key == null || MessageDigest.isEqual(mac(message), mac);
  }

  /** Fresh random bytes for a challenge. */
  static byte[] nonce() {
    byte[] n = new byte[32];
    RANDOM.nextBytes(n);
    return n;
  }

  @Override
  public String toString() {
    return "ClusterSecret[" + source + "]";
  }
}
