package io.sluice.aeron;

import static org.assertj.core.api.Assertions.assertThat;

import io.aeron.Aeron;
import io.aeron.driver.MediaDriver;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.junit.jupiter.api.Test;

/** The in-JVM cluster's Aeron settings are applied (their effect is measured in docs/PERFORMANCE.md, not here). */
class InJvmAeronTest {
  @Test
  void theSharedDriverResolvesOnItsConductorAndClientsWaitWithoutMillisecondSleeps() {
    assertThat(InJvmAeron.driver(new MediaDriver.Context()).asyncExecutorEnabled()).isFalse();
    Aeron.Context client = InJvmAeron.client(new Aeron.Context());
    assertThat(client.awaitingIdleStrategy()).isInstanceOf(BackoffIdleStrategy.class);
    assertThat(client.idleStrategy()).isInstanceOf(SleepingMillisIdleStrategy.class);
  }
}
