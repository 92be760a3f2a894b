package dev.envelope.core.format;

import dev.envelope.core.AuthenticationException;
import dev.envelope.core.EnvelopeException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Opens a Cobblestone body chunk by chunk. Holds one sealed and one plain chunk in memory and
 * releases a chunk's plaintext only after its tag verified. A full-size chunk is never final, so
 * the stream only reports end-of-data after it authenticated a short final chunk and found nothing
 * after it; truncation and appended bytes are errors. Once it failed, every later read fails the
 * same way.
 *
 * <p>Owns its cipher: a caller may create it on one thread and read it on another (executors, async
 * servlets), so nothing in it may be shared with the creating thread's other calls.
 */
public final class DecryptingInputStream extends InputStream {
  private final InputStream source;
  private final Cobblestone.ChunkCipher chunks;

  /** Both grow up to one chunk as data arrives: small messages keep small buffers. */
  private byte[] sealed = new byte[2048];

  private byte[] plain = new byte[0];
  private int position;
  private int limit;
  private long index;
  private boolean finished;
  private RuntimeException failure;
  private boolean closed;

  public DecryptingInputStream(InputStream source, Cobblestone.MessageKeys keys) {
    this.source = source;
    this.chunks = new Cobblestone.ChunkCipher(keys, Gcm.newCipher());
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    java.util.Objects.checkFromIndexSize(off, len, b.length);
    if (closed) {
      throw new IOException("the decrypting stream is closed");
    }
    if (len == 0) {
      return 0;
    }
    while (position == limit) {
      if (failure != null) {
        throw failure;
      }
      if (finished) {
        return -1;
      }
      if (len >= Cobblestone.CHUNK_BYTES) {
        // Room for a whole chunk: open it straight into the caller's array, sparing a pass over
        // the data (issue 20). The caller sees it only once its tag verified.
        int n = nextChunk(b, off);
        if (n > 0 || finished) {
          return n > 0 ? n : -1;
        }
        continue;
      }
      limit = nextChunk(null, 0);
    }
    int n = Math.min(len, limit - position);
    System.arraycopy(plain, position, b, off, n);
    position += n;
    return n;
  }

  @Override
  public int available() {
    return limit - position;
  }

  /** Reads up to one sealed chunk, growing the buffer only while the source delivers. */
  private int readChunk() throws IOException {
    int n = 0;
    while (n < Cobblestone.SEALED_CHUNK_BYTES) {
      if (n == sealed.length) {
        sealed = Arrays.copyOf(sealed, Math.min(Cobblestone.SEALED_CHUNK_BYTES, sealed.length * 2));
      }
      int r = source.read(sealed, n, sealed.length - n);
      if (r < 0) {
        break;
      }
      n += r;
    }
    return n;
  }

  /**
   * Reads, authenticates and opens the next chunk into {@code out} at {@code outOff}, which has
   * room for a full chunk, or into this stream's own buffer if {@code out} is null; returns its
   * plaintext length. On any failure the target range is zeroed and the failure is kept for every
   * later read.
   */
  private int nextChunk(byte[] out, int outOff) throws IOException {
    // Nothing of the previous chunk may be served again if this one fails.
    position = 0;
    limit = 0;
    int n = readChunk();
    try {
      if (n < Cobblestone.TAG_BYTES) {
        throw new AuthenticationException(
            "the envelope is truncated: it ends "
                + (index == 0 ? "before its first chunk" : "after chunk " + (index - 1))
                + " without the final chunk");
      }
      if (out == null) {
        if (plain.length < n - Cobblestone.TAG_BYTES) {
          plain = new byte[n - Cobblestone.TAG_BYTES];
        }
        out = plain;
        outOff = 0;
      }
      int decrypted;
      try {
        decrypted = chunks.decrypt(index++, sealed, 0, n, out, outOff);
      } catch (RuntimeException e) {
        // The JDK zeroes what it wrote on a bad tag; this does not rely on it.
        Arrays.fill(out, outOff, outOff + n - Cobblestone.TAG_BYTES, (byte) 0);
        throw e;
      }
      if (n < Cobblestone.SEALED_CHUNK_BYTES) {
        // A short chunk is the last; anything after it was appended.
        if (source.read() != -1) {
          Arrays.fill(out, outOff, outOff + decrypted, (byte) 0);
          throw new AuthenticationException(
              "the envelope has bytes after its final chunk: it was altered");
        }
        finished = true;
      }
      return decrypted;
    } catch (EnvelopeException e) {
      failure = e;
      throw e;
    }
  }

  @Override
  public void close() throws IOException {
    if (!closed) {
      closed = true;
      Arrays.fill(plain, (byte) 0);
      source.close();
    }
  }
}
