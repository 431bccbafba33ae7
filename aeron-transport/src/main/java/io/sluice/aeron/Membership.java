package io.sluice.aeron;

import io.aeron.logbuffer.Header;
import io.sluice.transport.ClusterSpec;
import io.sluice.transport.TransportException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Who belongs to this cluster run, proven; and the control messages between members.
 *
 * <p><b>Handshake.</b> Each process sends every peer a CHALLENGE with 32 fresh random bytes (a
 * nonce, new for each run). A process answers a challenge from peer {@code q} with a HELLO that
 * carries the Aeron session ids of its publications to {@code q} (control, then one per data
 * stream), its flow signature and partition listing, and
 * {@code HMAC-SHA256(secret, "sluice-hello-v1" | from | to | sessions | q's nonce | payload)}. The
 * receiver checks, in this order and before it parses anything: the message is addressed to it,
 * the sender is a process of the cluster other than itself, the message came on the control
 * session it names, and the MAC verifies against the nonce it sent that peer. Only then is the peer a member
 * and its sessions bound to it: from then on, every control and data message is taken only from the
 * peer's bound sessions; any other session's messages are dropped ({@link Rejections}). Both sides
 * prove themselves to each other, each over the other's nonce, so neither a hello from another run
 * nor one reflected back to its sender verifies.
 *
 * <p><b>Control messages</b> ({@code [type:1][from:4][to:4][body]}): FINISHED, FINISHED_ACK,
 * FAILED (body: the reason, UTF-8), FAILED_ACK, STOP (a graceful stop; body: the reason). Each may come once per peer, and the
 * acknowledgements only after this process sent what they acknowledge; anything else from a
 * member (a repeat, an ack of nothing, an unknown type, a malformed body) fails the run once with
 * a message saying what came from which process.
 */
final class Membership {
  static final byte CHALLENGE = 1;
  static final byte HELLO = 2;
  static final byte FINISHED = 3;
  static final byte FINISHED_ACK = 4;
  static final byte FAILED = 5;
  static final byte FAILED_ACK = 6;
  static final byte STOP = 7;
  static final int HEADER = 1 + 4 + 4;
  static final int NONCE = 32;
  /** Challenges answered per peer while joining; more are dropped (a legitimate peer sends one). */
  private static final int MAX_CHALLENGES = 16;
  /** The longest failure reason taken from a peer, in bytes. */
  static final int MAX_REASON = 4000;
  private static final byte[] HELLO_LABEL = BoundedReader.utf8("sluice-hello-v1");

  /** How the membership reaches the peers and reports what it learns; implemented by the transport. */
  interface Link {
    /** Offers a control message to {@code peer}; true if it was taken. */
    boolean offer(int peer, byte[] message);

    /** A peer reported a failure, or does not match this process: the run stops (the peers know). */
    void peerFailed(TransportException e);

    /** A member sent something illegal: the run stops, and this process tells the peers. */
    void malformed(TransportException e);

    /** A member was asked to stop gracefully: this process stops the same way. */
    void stopRequested(String reason);
  }

  private final ClusterSpec spec;
  private final ClusterSecret secret;
  private final Rejections rejections;
  private final Link link;
  private final int me;
  private final int processes;
  /** The Aeron session ids of this process's publications to each peer: control first, then each data stream. */
  private final int[][] outSessions;
  /** The nonce this process sent each peer. */
  private final byte[][] nonceFor;
  /** Challenges from each peer not yet answered (read and written by the joining thread only). */
  private final List<ArrayDeque<byte[]>> toAnswer = new ArrayList<>();
  private final int[] answered;
  /** Peer of each bound session. */
  private final Map<Integer, Integer> peerOfSession = new ConcurrentHashMap<>();
  private final Map<Integer, Map<Integer, List<String>>> partitionsByProcess = new ConcurrentHashMap<>();
  private final boolean[] challengeSent;
  private final boolean[] helloSent;
  private volatile boolean[] helloFrom;
  private volatile boolean[] finishedFrom;
  private volatile boolean[] finishAckedBy;
  private volatile boolean[] failedFrom;
  private volatile boolean[] failAckedBy;
  private volatile boolean[] stopFrom;
  private volatile boolean finishSent;
  private volatile boolean failSent;

  Membership(ClusterSpec spec, ClusterSecret secret, Rejections rejections, Link link) {
    this.spec = spec;
    this.secret = secret;
    this.rejections = rejections;
    this.link = link;
    this.me = spec.processId();
    this.processes = spec.processes();
    outSessions = new int[processes][];
    nonceFor = new byte[processes][];
    answered = new int[processes];
    challengeSent = new boolean[processes];
    helloSent = new boolean[processes];
    helloFrom = new boolean[processes];
    finishedFrom = new boolean[processes];
    finishAckedBy = new boolean[processes];
    failedFrom = new boolean[processes];
    failAckedBy = new boolean[processes];
    stopFrom = new boolean[processes];
    for (int p = 0; p < processes; p++) {
      toAnswer.add(new ArrayDeque<>());
      if (p != me) {
        nonceFor[p] = ClusterSecret.nonce();
      }
    }
    partitionsByProcess.put(me, spec.partitions());
  }

  /** Records the Aeron session ids of this process's publications to {@code peer} (control first), before joining. */
  void sessionsTo(int peer, int[] sessions) {
    outSessions[peer] = sessions.clone();
  }

  /** The member whose bound session is {@code sessionId}, or -1 for a session nobody proved. */
  int peerOfSession(int sessionId) {
    Integer p = peerOfSession.get(sessionId);
    return p == null ? -1 : p;
  }

  boolean helloFrom(int peer) {
    return helloFrom[peer];
  }

  boolean finishedFrom(int peer) {
    return finishedFrom[peer];
  }

  boolean finishAckedBy(int peer) {
    return finishAckedBy[peer];
  }

  boolean failedOrAckedFrom(int peer) {
    return failedFrom[peer] || failAckedBy[peer];
  }

  Map<Integer, List<String>> partitionsOf(int process) {
    return partitionsByProcess.get(process);
  }

  void finishSent() {
    finishSent = true;
  }

  void failSent() {
    failSent = true;
  }

  /**
   * One step of joining, on the joining thread: sends challenges and answers to peers whose
   * publication is connected. Returns whether every peer has been answered and has proven itself.
   */
  boolean join(boolean[] connected) {
    boolean all = true;
    for (int p = 0; p < processes; p++) {
      if (p == me) {
        continue;
      }
      if (connected[p]) {
        if (!challengeSent[p]) {
          challengeSent[p] = link.offer(p, challenge(p));
        }
        flushAnswers(p);
      }
      all &= helloSent[p] && helloFrom[p];
    }
    return all;
  }

  /** Sends the hellos owed to {@code peer}, in order; before failing too, so that the peer can hear why. */
  void flushAnswers(int peer) {
    ArrayDeque<byte[]> q = toAnswer.get(peer);
    while (!q.isEmpty()) {
      if (!link.offer(peer, hello(peer, q.peekFirst()))) {
        return;
      }
      q.pollFirst();
      helloSent[peer] = true;
    }
  }

  void flushAllAnswers() {
    for (int p = 0; p < processes; p++) {
      if (p != me) {
        flushAnswers(p);
      }
    }
  }

  // ------------------------------------------------------------------ receiving (one thread at a time)

  /** Handles one control message: checked, then used, dropped (unproven sender) or a failure (a member's illegal message). */
  void onControl(DirectBuffer buffer, int offset, int length, Header header, boolean joining) {
    int session = header.sessionId();
    if (length < HEADER) {
      rejectOrFail(session, "a control message of " + length + " bytes, shorter than its " + HEADER + "-byte header");
      return;
    }
    byte type = buffer.getByte(offset);
    int from = buffer.getInt(offset + 1);
    int to = buffer.getInt(offset + 5);
    int bound = peerOfSession(session);
    if (type == CHALLENGE || type == HELLO) {
      if (to != me || from < 0 || from >= processes || from == me) {
        rejectOrFail(session, "a " + name(type) + " from a process " + from + " to process " + to
            + " (this is process " + me + " of " + processes + ")");
        return;
      }
      if (type == CHALLENGE) {
        onChallenge(from, buffer, offset + HEADER, length - HEADER, session, joining);
      } else {
        onHello(from, buffer, offset + HEADER, length - HEADER, session);
      }
      return;
    }
    if (bound < 0) {
      rejections.drop("a control message (type " + type + ", " + length + " bytes) on Aeron session " + session
          + ", which no member of this cluster proved to be its own");
      return;
    }
    if (from != bound || to != me) {
      link.malformed(new TransportException("process " + bound + " sent a control message claiming to be from process "
          + from + " to process " + to + " (this is process " + me + ")"));
      return;
    }
    BoundedReader in = new BoundedReader(buffer, offset + HEADER, length - HEADER);
    switch (type) {
      case FINISHED -> {
        if (finishedFrom[from] || in.remaining() != 0) {
          illegal(from, "FINISHED", finishedFrom[from] ? "a second time" : "with a body of " + in.remaining()
              + " bytes");
          return;
        }
        finishedFrom[from] = true;
        link.offer(from, control(FINISHED_ACK, from, ""));
      }
      case FINISHED_ACK -> {
        if (!finishSent || finishAckedBy[from]) {
          illegal(from, "FINISHED_ACK", finishSent ? "a second time" : "before this process finished");
          return;
        }
        finishAckedBy[from] = true;
      }
      case FAILED -> {
        if (failedFrom[from]) {
          illegal(from, "FAILED", "a second time");
          return;
        }
        if (in.remaining() > MAX_REASON) {
          illegal(from, "FAILED", "with a reason of " + in.remaining() + " bytes (at most " + MAX_REASON + ")");
          return;
        }
        String reason = in.readRestUtf8();
        failedFrom[from] = true;
        link.offer(from, control(FAILED_ACK, from, ""));
        link.peerFailed(new TransportException("process " + from + " failed: " + reason));
      }
      case STOP -> {
        if (stopFrom[from] || finishedFrom[from] || in.remaining() > MAX_REASON) {
          illegal(from, "STOP", stopFrom[from] ? "a second time" : finishedFrom[from] ? "after it finished"
              : "with a reason of " + in.remaining() + " bytes (at most " + MAX_REASON + ")");
          return;
        }
        stopFrom[from] = true;
        link.stopRequested(in.readRestUtf8());
      }
      case FAILED_ACK -> {
        if (!failSent || failAckedBy[from]) {
          illegal(from, "FAILED_ACK", failSent ? "a second time" : "before this process failed");
          return;
        }
        failAckedBy[from] = true;
      }
      default -> link.malformed(new TransportException("process " + from + " sent a control message of unknown type "
          + type + " (" + length + " bytes)"));
    }
  }

  private void illegal(int from, String what, String how) {
    link.malformed(new TransportException("process " + from + " sent " + what + " " + how
        + ": not a legal control message in this state"));
  }

  private void rejectOrFail(int session, String what) {
    int bound = peerOfSession(session);
    if (bound < 0) {
      rejections.drop(what + " on Aeron session " + session);
    } else {
      link.malformed(new TransportException("process " + bound + " sent " + what));
    }
  }

  private void onChallenge(int from, DirectBuffer buffer, int offset, int length, int session, boolean joining) {
    if (length != NONCE) {
      rejectOrFail(session, "a CHALLENGE of " + length + " bytes (expected " + NONCE + ")");
      return;
    }
    if (!joining || answered[from] >= MAX_CHALLENGES) {
      rejections.drop("a CHALLENGE claiming to be from process " + from + " on Aeron session " + session
          + (joining ? " after " + MAX_CHALLENGES + " already answered" : " after the cluster was joined"));
      return;
    }
    answered[from]++;
    byte[] nonce = new byte[NONCE];
    buffer.getBytes(offset, nonce);
    toAnswer.get(from).add(nonce);
  }

  private void onHello(int from, DirectBuffer buffer, int offset, int length, int session) {
    int maxSessions = 1 + spec.exchangeSteps().size();
    int count = length >= 4 ? buffer.getInt(offset) : -1;
    if (count != maxSessions || length < 4 + 4 * count + ClusterSecret.MAC_LENGTH) {
      rejections.drop("a HELLO of " + length + " bytes naming " + count + " sessions (expected " + maxSessions
          + ") claiming to be from process " + from);
      return;
    }
    int[] sessions = new int[count];
    for (int i = 0; i < count; i++) {
      sessions[i] = buffer.getInt(offset + 4 + 4 * i);
    }
    if (sessions[0] != session) {
      rejections.drop("a HELLO claiming to be from process " + from + " naming Aeron session " + sessions[0]
          + " but arriving on session " + session);
      return;
    }
    int macAt = offset + 4 + 4 * count;
    byte[] mac = new byte[ClusterSecret.MAC_LENGTH];
    buffer.getBytes(macAt, mac);
    byte[] payload = new byte[length - (macAt - offset) - ClusterSecret.MAC_LENGTH];
    buffer.getBytes(macAt + ClusterSecret.MAC_LENGTH, payload);
    if (helloFrom[from]) {
      rejections.drop("a second HELLO claiming to be from process " + from + " (a replay?)");
      return;
    }
    if (!secret.verify(macInput(from, me, sessions, nonceFor[from], payload), mac)) {
      rejections.drop("a HELLO claiming to be from process " + from + " at " + spec.addresses().get(from)
          + " whose proof does not verify against this process's challenge (a sender without the cluster secret, "
          + secret.source() + ", or from another run)");
      return;
    }
    // proven: from here on, a bad payload is this member's error, not a stranger's
    BoundedReader in = new BoundedReader(new UnsafeBuffer(payload), 0, payload.length);
    String signature;
    Map<Integer, List<String>> listed = new HashMap<>();
    try {
      signature = in.readString("the flow signature");
      for (int steps = in.readCount(spec.stepIds().size(), "the number of partitioned steps"); steps > 0; steps--) {
        int step = in.readInt("a step index");
        if (step < 0 || step >= spec.stepIds().size()) {
          throw new BoundedReader.Malformed("step index " + step + " is outside 0.." + (spec.stepIds().size() - 1));
        }
        List<String> names = new ArrayList<>();
        for (int n = in.readCount(in.remaining() / 4, "the number of partitions"); n > 0; n--) {
          names.add(in.readString("a partition name"));
        }
        listed.put(step, names);
      }
    } catch (BoundedReader.Malformed e) {
      link.malformed(new TransportException("process " + from + " sent a malformed HELLO: " + e.getMessage()));
      return;
    }
    if (!signature.equals(spec.flowSignature())) {
      link.peerFailed(new TransportException("process " + from + " at " + spec.addresses().get(from)
          + " runs a different dataflow, worker count or registered types: theirs is [" + signature + "], ours is ["
          + spec.flowSignature() + "]"));
      return;
    }
    partitionsByProcess.put(from, listed);
    for (int sid : sessions) {
      peerOfSession.put(sid, from);
    }
    helloFrom[from] = true;
  }

  // ------------------------------------------------------------------ messages

  byte[] challenge(int peer) {
    byte[] msg = new byte[HEADER + NONCE];
    UnsafeBuffer b = new UnsafeBuffer(msg);
    header(b, CHALLENGE, peer);
    b.putBytes(HEADER, nonceFor[peer]);
    return msg;
  }

  /** The HELLO answering {@code peer}'s challenge {@code theirNonce}. */
  byte[] hello(int peer, byte[] theirNonce) {
    byte[] payload = helloPayload();
    int[] sessions = outSessions[peer];
    byte[] mac = secret.mac(macInput(me, peer, sessions, theirNonce, payload));
    byte[] msg = new byte[HEADER + 4 + 4 * sessions.length + mac.length + payload.length];
    UnsafeBuffer b = new UnsafeBuffer(msg);
    header(b, HELLO, peer);
    b.putInt(HEADER, sessions.length);
    for (int i = 0; i < sessions.length; i++) {
      b.putInt(HEADER + 4 + 4 * i, sessions[i]);
    }
    int at = HEADER + 4 + 4 * sessions.length;
    b.putBytes(at, mac);
    b.putBytes(at + mac.length, payload);
    return msg;
  }

  byte[] control(byte type, int peer, String text) {
    byte[] t = BoundedReader.utf8(text);
    if (t.length > MAX_REASON) {
      t = Arrays.copyOf(t, MAX_REASON);
    }
    byte[] msg = new byte[HEADER + t.length];
    UnsafeBuffer b = new UnsafeBuffer(msg);
    header(b, type, peer);
    b.putBytes(HEADER, t);
    return msg;
  }

  private void header(UnsafeBuffer b, byte type, int peer) {
    b.putByte(0, type);
    b.putInt(1, me);
    b.putInt(5, peer);
  }

  private static byte[] macInput(int from, int to, int[] sessions, byte[] nonce, byte[] payload) {
    byte[] in = new byte[HELLO_LABEL.length + 12 + 4 * sessions.length + nonce.length + payload.length];
    UnsafeBuffer b = new UnsafeBuffer(in);
    int at = 0;
    b.putBytes(at, HELLO_LABEL);
    at += HELLO_LABEL.length;
    b.putInt(at, from);
    b.putInt(at + 4, to);
    b.putInt(at + 8, sessions.length);
    at += 12;
    for (int s : sessions) {
      b.putInt(at, s);
      at += 4;
    }
    b.putBytes(at, nonce);
    b.putBytes(at + nonce.length, payload);
    return in;
  }

  /** The flow signature and, per step with fixed partitions, its index and partition names (read back by {@link BoundedReader}). */
  private byte[] helloPayload() {
    org.agrona.ExpandableArrayBuffer b = new org.agrona.ExpandableArrayBuffer(256);
    int[] at = {0};
    putString(b, at, spec.flowSignature());
    putInt(b, at, spec.partitions().size());
    for (Map.Entry<Integer, List<String>> e : spec.partitions().entrySet()) {
      putInt(b, at, e.getKey());
      putInt(b, at, e.getValue().size());
      for (String name : e.getValue()) {
        putString(b, at, name);
      }
    }
    byte[] out = new byte[at[0]];
    b.getBytes(0, out);
    return out;
  }

  private static void putInt(org.agrona.MutableDirectBuffer b, int[] at, int v) {
    b.putInt(at[0], v);
    at[0] += 4;
  }

  private static void putString(org.agrona.MutableDirectBuffer b, int[] at, String s) {
    byte[] bytes = BoundedReader.utf8(s);
    putInt(b, at, bytes.length);
    b.putBytes(at[0], bytes);
    at[0] += bytes.length;
  }

  private static String name(byte type) {
    return type == CHALLENGE ? "CHALLENGE" : type == HELLO ? "HELLO" : "control message " + type;
  }
}
