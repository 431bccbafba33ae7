package io.sluice.aeron;

import io.aeron.logbuffer.ControlledFragmentHandler.Action;
import io.sluice.serde.Serde;
import io.sluice.transport.ClusterSpec;
import io.sluice.transport.Transport;
import java.util.List;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The data frames of the exchange, and every check a received one passes before it is used.
 *
 * <p>A frame is {@code [kind:1][from worker:4][to worker:4][epoch:8][body]}:
 * <ul>
 *   <li>BATCH: the body is one serialized batch;</li>
 *   <li>FRAGMENT: the body is {@code [total length:4][chunk]}, one piece of a serialized batch too
 *       large for one Aeron message; the pieces of a batch follow each other on their channel and
 *       are reassembled in a buffer of the announced total length, which must be within
 *       {@link AeronTransport.Settings#maxBatchBytes()} before it is allocated;</li>
 *   <li>END: end-of-stream of the channel, no body;</li>
 *   <li>PROGRESS: "epoch {@code epoch} is closed"; the body is the sender's time (8 bytes, ms).</li>
 * </ul>
 *
 * <p>Checks, all before anything is allocated or delivered: the frame came from a member's bound
 * session (done by the caller: {@link Membership#peerOfSession}), its header is complete, the kind
 * is known, the sending worker is one of that member's workers and the receiving worker one of
 * this process's, the channel has not ended, lengths match the kind, fragments continue the batch
 * in progress (same total, same epoch, not past its end) and nothing else interrupts one. A frame
 * failing a check is a {@link BoundedReader.Malformed} error: the member broke the protocol, and
 * the run fails once with the message.
 */
final class FrameCodec {
  static final byte BATCH = 1;
  static final byte END = 2;
  static final byte PROGRESS = 3;
  static final byte FRAGMENT = 4;
  static final int HEADER = 1 + 4 + 4 + 8;
  static final int FRAGMENT_HEADER = HEADER + 4;

  private final ClusterSpec spec;
  private final Serde serde;
  private final int maxBatchBytes;
  private final int perProcess;
  private final int firstLocal;
  /** Per receiving channel (slot, from, local to): whether it ended, and the batch being reassembled. */
  private final boolean[] ended;
  private final byte[][] assembly;
  private final int[] filled;
  private final long[] assemblyEpoch;

  FrameCodec(ClusterSpec spec, Serde serde, int maxBatchBytes) {
    this.spec = spec;
    this.serde = serde;
    this.maxBatchBytes = maxBatchBytes;
    this.perProcess = spec.workersPerProcess();
    this.firstLocal = spec.processId() * perProcess;
    int channels = spec.exchangeSteps().size() * spec.processes() * perProcess * perProcess;
    ended = new boolean[channels];
    assembly = new byte[channels][];
    filled = new int[channels];
    assemblyEpoch = new long[channels];
  }

  // ------------------------------------------------------------------ encoding (senders)

  /** Writes a frame's header at 0; returns the header length. */
  static int header(MutableDirectBuffer buf, byte kind, int from, int to, long epoch) {
    buf.putByte(0, kind);
    buf.putInt(1, from);
    buf.putInt(5, to);
    buf.putLong(9, epoch);
    return HEADER;
  }

  // ------------------------------------------------------------------ decoding (the poller thread)

  /**
   * Checks and delivers one frame that came from member {@code peer} on exchange step
   * {@code step} (slot {@code slot}). Returns {@link Action#ABORT} when the receiving channel is
   * full (the frame stays in Aeron, which pushes back to the sender).
   *
   * @throws BoundedReader.Malformed if the frame breaks the protocol
   * @throws io.sluice.serde.SerdeException or another runtime exception if a batch cannot be deserialized
   */
  Action onFrame(int slot, int step, int peer, DirectBuffer buffer, int offset, int length, Transport.Inbound in) {
    if (length < HEADER) {
      throw new BoundedReader.Malformed("a data frame of " + length + " bytes, shorter than its " + HEADER
          + "-byte header");
    }
    byte kind = buffer.getByte(offset);
    int from = buffer.getInt(offset + 1);
    int to = buffer.getInt(offset + 5);
    long epoch = buffer.getLong(offset + 9);
    if (kind < BATCH || kind > FRAGMENT) {
      throw new BoundedReader.Malformed("a data frame of unknown kind " + kind);
    }
    if (from < peer * perProcess || from >= (peer + 1) * perProcess) {
      throw new BoundedReader.Malformed("a data frame from worker " + from + ", which is not one of its workers ("
          + peer * perProcess + ".." + ((peer + 1) * perProcess - 1) + ")");
    }
    if (to < firstLocal || to >= firstLocal + perProcess) {
      throw new BoundedReader.Malformed("a data frame to worker " + to + ", which is not one of this process's ("
          + firstLocal + ".." + (firstLocal + perProcess - 1) + ")");
    }
    int ch = (slot * spec.processes() * perProcess + from) * perProcess + (to - firstLocal);
    if (ended[ch]) {
      throw new BoundedReader.Malformed("a data frame of kind " + kind + " " + where(step, from, to)
          + " after its end-of-stream");
    }
    if (assembly[ch] != null && kind != FRAGMENT) {
      throw new BoundedReader.Malformed("a data frame of kind " + kind + " " + where(step, from, to)
          + " in the middle of a batch of "
          + assembly[ch].length + " bytes sent in pieces (" + filled[ch] + " received)");
    }
    int body = length - HEADER;
    switch (kind) {
      case END -> {
        if (body != 0) {
          throw new BoundedReader.Malformed("an end-of-stream " + where(step, from, to) + " with a body of "
              + body + " bytes");
        }
        if (!in.hasRoom(step, from, to)) {
          return Action.ABORT;
        }
        ended[ch] = true;
        in.deliverEnd(step, from, to);
        return Action.CONTINUE;
      }
      case PROGRESS -> {
        if (body != Long.BYTES) {
          throw new BoundedReader.Malformed("a progress marker " + where(step, from, to) + " with a body of "
              + body + " bytes (expected "
              + Long.BYTES + ")");
        }
        if (!in.hasRoom(step, from, to)) {
          return Action.ABORT;
        }
        in.deliverProgress(step, from, to, epoch, buffer.getLong(offset + HEADER));
        return Action.CONTINUE;
      }
      case BATCH -> {
        if (body == 0) {
          throw new BoundedReader.Malformed("an empty batch " + where(step, from, to));
        }
        if (!in.hasRoom(step, from, to)) {
          return Action.ABORT;
        }
        byte[] bytes = new byte[body];
        buffer.getBytes(offset + HEADER, bytes);
        in.deliverBatch(step, from, to, epoch, deserialize(bytes));
        return Action.CONTINUE;
      }
      default -> {
        return onFragment(ch, step, from, to, epoch, buffer, offset, length, in);
      }
    }
  }

  /** The channel, for messages (built only when one is needed). */
  private String where(int step, int from, int to) {
    return "on channel (step '" + spec.stepIds().get(step) + "', worker " + from + " to " + to + ")";
  }

  private Action onFragment(int ch, int step, int from, int to, long epoch, DirectBuffer buffer,
      int offset, int length, Transport.Inbound in) {
    if (length < FRAGMENT_HEADER + 1) {
      throw new BoundedReader.Malformed("a batch piece " + where(step, from, to) + " of " + length
          + " bytes, with no data");
    }
    int total = buffer.getInt(offset + HEADER);
    int chunk = length - FRAGMENT_HEADER;
    byte[] into = assembly[ch];
    if (into == null) {
      if (total <= 0 || total > maxBatchBytes) {
        throw new BoundedReader.Malformed("a batch " + where(step, from, to) + " announced as " + total
            + " bytes, outside 1.."
            + maxBatchBytes + " (" + AeronTransport.Settings.MAX_BATCH_BYTES_PROPERTY + " of this process)");
      }
      if (chunk >= total) {
        throw new BoundedReader.Malformed("a batch " + where(step, from, to) + " of " + total
            + " bytes sent in pieces, the first "
            + chunk + " bytes long");
      }
    } else if (total != into.length || epoch != assemblyEpoch[ch]) {
      throw new BoundedReader.Malformed("a batch piece " + where(step, from, to) + " for a batch of " + total
          + " bytes in epoch " + epoch
          + ", in the middle of one of " + into.length + " bytes in epoch " + assemblyEpoch[ch]);
    } else if (chunk > into.length - filled[ch]) {
      throw new BoundedReader.Malformed("a batch piece " + where(step, from, to) + " of " + chunk
          + " bytes, past the end of its batch ("
          + (into.length - filled[ch]) + " bytes missing)");
    }
    boolean last = into != null && filled[ch] + chunk == into.length;
    if (last) {
      if (!in.hasRoom(step, from, to)) {
        return Action.ABORT;
      }
      buffer.getBytes(offset + FRAGMENT_HEADER, into, filled[ch], chunk);
      assembly[ch] = null;
      filled[ch] = 0;
      in.deliverBatch(step, from, to, epoch, deserialize(into));
      return Action.CONTINUE;
    }
    if (into == null) {
      into = new byte[total];
      assembly[ch] = into;
      assemblyEpoch[ch] = epoch;
    }
    buffer.getBytes(offset + FRAGMENT_HEADER, into, filled[ch], chunk);
    filled[ch] += chunk;
    return Action.CONTINUE;
  }

  @SuppressWarnings("unchecked")
  private List<Object> deserialize(byte[] bytes) {
    Object decoded = serde.deserialize(bytes);
    if (!(decoded instanceof List<?>)) {
      throw new BoundedReader.Malformed("a batch that deserializes to "
          + (decoded == null ? "null" : decoded.getClass().getName()) + ", not a list of items");
    }
    return (List<Object>) decoded;
  }
}
