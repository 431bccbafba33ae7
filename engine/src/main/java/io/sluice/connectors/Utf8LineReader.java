package io.sluice.connectors;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Reads UTF-8 lines like {@link java.io.BufferedReader#readLine()} (ends at {@code \n}, {@code \r}
 * or {@code \r\n}), but keeps the line number and byte offset, so bytes that are not UTF-8 are
 * reported by file, line and offset. {@code BufferedReader} reports only "MalformedInputException",
 * which is why this exists. One thread only.
 */
final class Utf8LineReader implements Closeable {
  private final InputStream in;
  private final String where;
  private final byte[] buf = new byte[64 * 1024];
  private int pos;
  private int limit;
  /** Offset in the file of {@code buf[pos]}. */
  private long offset;
  private long lineNumber;
  private boolean pendingCr;
  private byte[] line = new byte[256];
  private int lineLen;
  private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT)
      .onUnmappableCharacter(CodingErrorAction.REPORT);

  /** @param where how errors name the source, e.g. "step 'lines': file /data/a.txt" */
  Utf8LineReader(InputStream in, String where) {
    this.in = in;
    this.where = where;
  }

  /** Lines returned so far. */
  long lineNumber() {
    return lineNumber;
  }

  /**
   * The next line without its terminator, or null at the end of the file.
   *
   * @throws UncheckedIOException naming the file, line number and byte offset if the line is not
   *                              UTF-8, or if reading fails
   */
  String readLine() {
    try {
      if (pendingCr) {
        pendingCr = false;
        if ((pos < limit || fill()) && buf[pos] == '\n') {
          pos++;
          offset++;
        }
      }
      long lineStart = offset;
      lineLen = 0;
      boolean any = false;
      while (true) {
        if (pos == limit && !fill()) {
          if (!any) {
            return null;
          }
          break;
        }
        any = true;
        int i = pos;
        while (i < limit && buf[i] != '\n' && buf[i] != '\r') {
          i++;
        }
        append(i - pos);
        offset += i - pos;
        pos = i;
        if (i < limit) {
          pendingCr = buf[pos] == '\r';
          pos++;
          offset++;
          break;
        }
      }
      lineNumber++;
      return decode(lineStart);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + where + " after line " + lineNumber + ": " + e, e);
    }
  }

  private boolean fill() throws IOException {
    int n = in.read(buf, 0, buf.length);
    if (n <= 0) {
      pos = limit = 0;
      return false;
    }
    pos = 0;
    limit = n;
    return true;
  }

  private void append(int n) {
    if (lineLen + n > line.length) {
      line = Arrays.copyOf(line, Math.max(line.length * 2, lineLen + n));
    }
    System.arraycopy(buf, pos, line, lineLen, n);
    lineLen += n;
  }

  private String decode(long lineStart) {
    boolean ascii = true;
    for (int i = 0; i < lineLen; i++) {
      if (line[i] < 0) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      return new String(line, 0, lineLen, StandardCharsets.ISO_8859_1);
    }
    ByteBuffer bytes = ByteBuffer.wrap(line, 0, lineLen);
    CharBuffer chars = CharBuffer.allocate(lineLen);
    decoder.reset();
    CoderResult r = decoder.decode(bytes, chars, true);
    if (!r.isError()) {
      r = decoder.flush(chars);
    }
    if (r.isError()) {
      long at = lineStart + bytes.position();
      StringBuilder hex = new StringBuilder();
      for (int i = bytes.position(); i < Math.min(lineLen, bytes.position() + r.length()); i++) {
        hex.append(String.format(" 0x%02x", line[i] & 0xff));
      }
      IOException cause = new MalformedInputException(r.length());
      throw new UncheckedIOException("cannot read " + where + ": line " + lineNumber + " is not UTF-8 text: byte"
          + (r.length() == 1 ? "" : "s") + hex + " at byte offset " + at + " (FileSource reads UTF-8 text lines;"
          + " convert the file to UTF-8, or read binary files with a source of your own)", cause);
    }
    return chars.flip().toString();
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
