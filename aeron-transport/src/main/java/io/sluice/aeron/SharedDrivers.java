package io.sluice.aeron;

import io.aeron.driver.MediaDriver;
import io.sluice.run.Backoff;
import io.sluice.run.IdleProfile;
import io.sluice.run.TransportThreading;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.agrona.CloseHelper;

/**
 * The media drivers shared by the Sluice processes that run inside one JVM (an in-JVM cluster of a
 * test): launched on first use, kept for the JVM's life and closed, their directories deleted, when
 * it exits. A driver of a killed JVM leaves its directory behind like any other, and the next driver
 * start deletes it ({@link DriverDirectories}).
 *
 * <p>Image liveness and the term length are driver settings, so transports that differ in them get
 * different drivers; so do the threading modes. A driver in Aeron's {@code INVOKER} mode has no
 * thread: the workers of the processes on it run it, through its {@link LockedInvoker}.
 */
final class SharedDrivers {
  private record Key(Duration peerTimeout, int termLength, Backoff idle, TransportThreading threading) {}

  /** A shared driver: its directory, and its invoker when it has no thread of its own (else null). */
  record Shared(String directory, LockedInvoker invoker) {}

  private static final Map<Key, Shared> DRIVERS = new HashMap<>();
  private static final java.util.List<MediaDriver> LAUNCHED = new java.util.ArrayList<>();
  private static boolean hookInstalled;

  private SharedDrivers() {}

  /** The directory of the shared driver for {@code settings} with the default idle profile, launching it if needed. */
  static String directory(AeronTransport.Settings settings) {
    return driver(settings, IdleProfile.THROUGHPUT, TransportThreading.SHARED).directory();
  }

  /** The directory of the shared driver for {@code settings} and the idle profile's driver backoff, launching it if needed. */
  static String directory(AeronTransport.Settings settings, IdleProfile idle) {
    return driver(settings, idle, TransportThreading.SHARED).directory();
  }

  /** The shared driver for {@code settings}, the idle profile's driver backoff and the threading mode, launching it if needed. */
  static synchronized Shared driver(AeronTransport.Settings settings, IdleProfile idle, TransportThreading threading) {
    boolean invoker = threading == TransportThreading.INVOKER;
    Key key = new Key(settings.peerTimeout(), settings.termLength(), invoker ? null : idle.mediaDriver(), threading);
    Shared shared = DRIVERS.get(key);
    if (shared == null) {
      Path base = DriverDirectories.base();
      DriverDirectories.deleteOrphans(base);
      MediaDriver driver = MediaDriver.launchEmbedded(InJvmAeron.driver(AeronTransport.threaded(
          AeronTransport.driverContext(DriverDirectories.newDirectory(base), settings, "shared media driver"),
          idle, threading)));
      shared = new Shared(driver.aeronDirectoryName(), invoker ? new LockedInvoker(driver.sharedAgentInvoker()) : null);
      DRIVERS.put(key, shared);
      LAUNCHED.add(driver);
      if (!hookInstalled) {
        Runtime.getRuntime().addShutdownHook(new Thread(SharedDrivers::closeAll, "sluice-shared-driver-close"));
        hookInstalled = true;
      }
    }
    return shared;
  }

  private static synchronized void closeAll() {
    LAUNCHED.forEach(CloseHelper::quietClose);
    LAUNCHED.clear();
    DRIVERS.clear();
  }
}
