package io.sluice.runtime;

import java.util.List;
import java.util.Queue;

/** redistribute's receiving side: passes batches on unchanged. */
final class RedistributeReceiver extends ExchangeReceiver {
  RedistributeReceiver(String stepId, Worker w, StepMetrics m, Queue<Object>[] channels) {
    super(stepId, w, m, 1, channels);
  }

  @Override
  void process(long epoch, List<Object> items) {
    emit(0, epoch, items);
  }

  @Override
  void finish() {}
}
