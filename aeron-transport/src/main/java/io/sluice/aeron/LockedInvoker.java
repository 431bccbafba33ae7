package io.sluice.aeron;

import java.util.concurrent.atomic.AtomicBoolean;
import org.agrona.concurrent.AgentInvoker;

/**
 * A media driver's {@link AgentInvoker} (Aeron's {@code INVOKER} threading mode) that many threads
 * may call: whoever comes first runs one duty cycle, the others return 0 at once. Agrona's invoker
 * is for one thread; here every worker of every process on the driver calls it, and so does an
 * Aeron client awaiting the driver's answer ({@code Aeron.Context.driverAgentInvoker}), hence a
 * subclass rather than a wrapper. The driver owns and closes the invoker this one runs.
 */
final class LockedInvoker extends AgentInvoker {
  private final AgentInvoker driver;
  private final AtomicBoolean busy = new AtomicBoolean();

  LockedInvoker(AgentInvoker driver) {
    super(Throwable::printStackTrace, null, driver.agent()); // never started: every call goes to the driver's invoker
    this.driver = driver;
  }

  @Override
  public int invoke() {
    if (!busy.compareAndSet(false, true)) {
      return 0;
    }
    try {
      return driver.invoke();
    } finally {
      busy.set(false);
    }
  }

  @Override
  public boolean isStarted() {
    return driver.isStarted();
  }

  @Override
  public boolean isRunning() {
    return driver.isRunning();
  }

  @Override
  public boolean isClosed() {
    return driver.isClosed();
  }
}
