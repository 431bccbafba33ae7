package io.sluice.runtime;

import io.sluice.transport.Transport;
import java.util.Queue;

/** Where an exchange sender puts messages for one target worker: a local queue or a remote peer. */
interface OutChannel {
  /** Takes the message, or returns false if the target cannot take it now. */
  boolean offer(Object message);

  /** Messages waiting in the channel, or -1 if not known (remote). */
  int depth();

  static OutChannel local(Queue<Object> queue) {
    return new OutChannel() {
      @Override
      public boolean offer(Object message) {
        return queue.offer(message);
      }

      @Override
      public int depth() {
        return queue.size();
      }
    };
  }

  static OutChannel remote(Transport transport, int step, int from, int to) {
    return new OutChannel() {
      @Override
      public boolean offer(Object message) {
        if (message == Messages.EOF) {
          return transport.offerEnd(step, from, to);
        }
        if (message instanceof Messages.Progress p) {
          return transport.offerProgress(step, from, to, p.epoch(), p.timeMillis());
        }
        Messages.Batch b = (Messages.Batch) message;
        return transport.offerBatch(step, from, to, b.epoch(), b.items());
      }

      @Override
      public int depth() {
        return -1;
      }
    };
  }
}
