package io.sluice.aeron;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * In-JVM clusters take their ports below the ephemeral range, where no socket bound to "any free
 * port" (Aeron's own sending ends, say) can take one before the process binds it.
 */
class FreeAddressesTest {
  @Test
  void portsAreDistinctLoopbackPortsBelowTheEphemeralRange() throws Exception {
    List<String> addresses = LocalCluster.freeLoopbackAddresses(8);
    List<Integer> ports = addresses.stream().map(a -> Integer.parseInt(a.substring(a.indexOf(':') + 1))).toList();
    assertThat(addresses).allSatisfy(a -> assertThat(a).startsWith("localhost:"));
    assertThat(ports).doesNotHaveDuplicates().allSatisfy(p -> assertThat(p).isBetween(1, 65535));
    Path range = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    if (Files.isReadable(range)) {
      int firstEphemeral = Integer.parseInt(Files.readString(range).trim().split("\\s+")[0]);
      if (firstEphemeral > 11_000) {
        assertThat(ports).allSatisfy(p -> assertThat(p).isBetween(10_000, firstEphemeral - 1));
      }
    }
  }
}
