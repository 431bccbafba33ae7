package io.sluice.aeron;

import io.aeron.driver.MediaDriver;
import io.sluice.run.Backoff;
import io.sluice.run.IdleProfile;
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
 * different drivers.
 */
final class SharedDrivers {
  private record Key(Duration peerTimeout, int termLength, Backoff idle) {}

  private static final Map<Key, MediaDriver> DRIVERS = new HashMap<>();
  private static boolean hookInstalled;

  private SharedDrivers() {}

  /** The directory of the shared driver for {@code settings} with the default idle profile, launching it if needed. */
  static String directory(AeronTransport.Settings settings) {
    return directory(settings, IdleProfile.THROUGHPUT);
  }

  /** The directory of the shared driver for {@code settings} and the idle profile's driver backoff, launching it if needed. */
  static synchronized String directory(AeronTransport.Settings settings, IdleProfile idle) {
    Key key = new Key(settings.peerTimeout(), settings.termLength(), idle.mediaDriver());
    MediaDriver driver = DRIVERS.get(key);
    if (driver == null) {
      Path base = DriverDirectories.base();
      DriverDirectories.deleteOrphans(base);
      driver = MediaDriver.launchEmbedded(InJvmAeron.driver(
          AeronTransport.driverContext(DriverDirectories.newDirectory(base), settings, "shared media driver")
              .sharedIdleStrategy(AeronIdle.driver(idle))));
      DRIVERS.put(key, driver);
      if (!hookInstalled) {
        Runtime.getRuntime().addShutdownHook(new Thread(SharedDrivers::closeAll, "sluice-shared-driver-close"));
        hookInstalled = true;
      }
    }
    return driver.aeronDirectoryName();
  }

  private static synchronized void closeAll() {
    DRIVERS.values().forEach(CloseHelper::quietClose);
    DRIVERS.clear();
  }
}
