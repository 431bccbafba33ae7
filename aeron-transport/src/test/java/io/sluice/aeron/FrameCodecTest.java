package io.sluice.aeron;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.aeron.logbuffer.ControlledFragmentHandler.Action;
import io.sluice.transport.ClusterSpec;
import io.sluice.transport.Transport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * The checks a data frame from a proven member passes before it is used: each broken frame is a
 * {@link BoundedReader.Malformed} naming what is wrong, and nothing is delivered or allocated for it.
 * Process 0 of 2, 2 workers each (0, 1 here; 2, 3 at the peer, process 1); one exchange step.
 */
class FrameCodecTest {
  private static final int MAX = 1 << 20;
  private final ClusterSpec spec = new ClusterSpec(0, List.of("localhost:1", "localhost:2"), 2,
      List.of("in", "spread"), List.of(1), "sig", null, List.of(), Map.of());
  private final ForySerde serde = new ForySerde(List.of());
  private final FrameCodec codec = new FrameCodec(spec, serde, MAX);
  private final List<String> delivered = new ArrayList<>();
  private final Transport.Inbound inbound = new Transport.Inbound() {
    @Override
    public boolean hasRoom(int step, int from, int to) {
      return true;
    }

    @Override
    public void deliverBatch(int step, int from, int to, long epoch, List<Object> items) {
      delivered.add("batch " + from + "->" + to + " " + items);
    }

    @Override
    public void deliverEnd(int step, int from, int to) {
      delivered.add("end " + from + "->" + to);
    }

    @Override
    public void deliverProgress(int step, int from, int to, long epoch, long timeMillis) {
      delivered.add("progress " + from + "->" + to + " " + epoch + "@" + timeMillis);
    }

    @Override
    public void peerFailed(Throwable error) {
      throw new AssertionError(error);
    }
  };

  private Action receive(byte[] frame) {
    return codec.onFrame(0, 1, 1, new UnsafeBuffer(frame), 0, frame.length, inbound);
  }

  private static byte[] frame(byte kind, int from, int to, long epoch, byte[] body) {
    ExpandableArrayBuffer b = new ExpandableArrayBuffer();
    int at = FrameCodec.header(b, kind, from, to, epoch);
    b.putBytes(at, body);
    byte[] out = new byte[at + body.length];
    b.getBytes(0, out);
    return out;
  }

  private byte[] batch(int from, int to, Object... items) {
    return frame(FrameCodec.BATCH, from, to, 0, serde.serialize(new ArrayList<>(List.of(items))));
  }

  private static byte[] time(long t) {
    byte[] b = new byte[8];
    new UnsafeBuffer(b).putLong(0, t);
    return b;
  }

  @Test
  void wellFormedFramesAreDelivered() {
    receive(batch(2, 0, "a", "b"));
    receive(frame(FrameCodec.PROGRESS, 3, 1, 4, time(99)));
    receive(frame(FrameCodec.END, 2, 0, 0, new byte[0]));
    assertThat(delivered).containsExactly("batch 2->0 [a, b]", "progress 3->1 4@99", "end 2->0");
  }

  @Test
  void framesNamingWorkersOutsideTheirProcessesAreRefused() {
    assertThatThrownBy(() -> receive(batch(0, 0, "x"))).isInstanceOf(BoundedReader.Malformed.class)
        .hasMessageContaining("from worker 0, which is not one of its workers (2..3)");
    assertThatThrownBy(() -> receive(batch(2, 3, "x"))).isInstanceOf(BoundedReader.Malformed.class)
        .hasMessageContaining("to worker 3, which is not one of this process's (0..1)");
    assertThatThrownBy(() -> receive(batch(-7, 0, "x"))).isInstanceOf(BoundedReader.Malformed.class);
    assertThat(delivered).isEmpty();
  }

  @Test
  void truncatedAndUnknownFramesAreRefused() {
    assertThatThrownBy(() -> receive(new byte[5])).isInstanceOf(BoundedReader.Malformed.class)
        .hasMessageContaining("shorter than its 17-byte header");
    assertThatThrownBy(() -> receive(frame((byte) 9, 2, 0, 0, new byte[3]))).hasMessageContaining("unknown kind 9");
    assertThatThrownBy(() -> receive(frame(FrameCodec.PROGRESS, 2, 0, 0, new byte[3])))
        .hasMessageContaining("a progress marker on channel (step 'spread', worker 2 to 0) with a body of 3 bytes");
    assertThatThrownBy(() -> receive(frame(FrameCodec.END, 2, 0, 0, new byte[1]))).hasMessageContaining("end-of-stream");
    assertThatThrownBy(() -> receive(frame(FrameCodec.BATCH, 2, 0, 0, new byte[0]))).hasMessageContaining("empty batch");
  }

  @Test
  void endOfStreamComesOncePerChannelAndNothingFollowsIt() {
    receive(frame(FrameCodec.END, 2, 0, 0, new byte[0]));
    assertThatThrownBy(() -> receive(frame(FrameCodec.END, 2, 0, 0, new byte[0])))
        .hasMessageContaining("after its end-of-stream");
    assertThatThrownBy(() -> receive(batch(2, 0, "late"))).hasMessageContaining("after its end-of-stream");
    receive(batch(3, 0, "other channel"));
    assertThat(delivered).containsExactly("end 2->0", "batch 3->0 [other channel]");
  }

  @Test
  void aBatchAnnouncedAboveTheMaximumIsRefusedBeforeAnythingIsAllocated() {
    byte[] body = new byte[8];
    new UnsafeBuffer(body).putInt(0, Integer.MAX_VALUE);
    assertThatThrownBy(() -> receive(frame(FrameCodec.FRAGMENT, 2, 0, 0, body)))
        .hasMessageContaining("announced as 2147483647 bytes, outside 1.." + MAX)
        .hasMessageContaining(AeronTransport.Settings.MAX_BATCH_BYTES_PROPERTY);
  }

  @Test
  void piecesOfABatchAreReassembledAndMustContinueIt() {
    byte[] whole = serde.serialize(new ArrayList<>(List.of("x".repeat(100))));
    byte[] first = piece(whole.length, whole, 0, 40);
    byte[] rest = piece(whole.length, whole, 40, whole.length - 40);
    receive(frame(FrameCodec.FRAGMENT, 2, 0, 5, first));
    assertThat(delivered).isEmpty();
    assertThatThrownBy(() -> receive(batch(2, 0, "interrupting"))).hasMessageContaining("in the middle of a batch");
    assertThatThrownBy(() -> receive(frame(FrameCodec.FRAGMENT, 2, 0, 6, rest))).hasMessageContaining("in epoch 5");
    receive(frame(FrameCodec.FRAGMENT, 2, 0, 5, rest));
    assertThat(delivered).containsExactly("batch 2->0 [" + "x".repeat(100) + "]");
    byte[] tooLong = piece(whole.length, new byte[whole.length + 10], 0, whole.length + 10);
    receive(frame(FrameCodec.FRAGMENT, 2, 0, 5, first));
    assertThatThrownBy(() -> receive(frame(FrameCodec.FRAGMENT, 2, 0, 5, tooLong))).hasMessageContaining("past the end");
  }

  private static byte[] piece(int total, byte[] from, int off, int len) {
    byte[] b = new byte[4 + len];
    new UnsafeBuffer(b).putInt(0, total);
    System.arraycopy(from, off, b, 4, len);
    return b;
  }
}
