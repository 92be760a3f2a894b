package dev.envelope.core.format;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * Seals a stream chunk by chunk: buffers at most 16 KiB of plaintext, writes each full chunk as
 * soon as it fills, and on {@link #close()} writes the final short chunk (possibly empty, as the
 * format requires) and closes the sink. Used by one thread at a time, not necessarily the one that
 * created it: it owns its cipher, so handing it to another thread shares nothing.
 */
public final class EncryptingOutputStream extends OutputStream {
  private final OutputStream sink;
  private final Cobblestone.ChunkCipher chunks;
  private final java.util.function.LongConsumer counter;

  /** Grows up to one chunk: a 1 KiB message does not pay for two 16 KiB buffers. */
  private byte[] plain = new byte[1024];

  private byte[] sealed = new byte[0];
  private int buffered;
  private long index;
  private boolean closed;

  /**
   * @param counter told the plaintext bytes of each chunk as it is sealed (the data key's count)
   */
  public EncryptingOutputStream(
      OutputStream sink, Cobblestone.MessageKeys keys, java.util.function.LongConsumer counter) {
    this.sink = sink;
    this.chunks = new Cobblestone.ChunkCipher(keys, Gcm.newCipher());
    this.counter = counter;
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    if (closed) {
      throw new IOException("the encrypting stream is closed");
    }
    java.util.Objects.checkFromIndexSize(off, len, b.length);
    while (len > 0) {
      if (buffered == 0 && len >= Cobblestone.CHUNK_BYTES) {
        // A whole chunk of the caller's array is sealed where it lies: copying it into the
        // buffer first was one of the stream's two extra passes over the data (issue 20).
        seal(b, off, Cobblestone.CHUNK_BYTES);
        off += Cobblestone.CHUNK_BYTES;
        len -= Cobblestone.CHUNK_BYTES;
        continue;
      }
      if (buffered == plain.length && plain.length < Cobblestone.CHUNK_BYTES) {
        plain =
            Arrays.copyOf(
                plain,
                Math.min(Cobblestone.CHUNK_BYTES, Math.max(plain.length * 2, buffered + len)));
      }
      int n = Math.min(len, plain.length - buffered);
      System.arraycopy(b, off, plain, buffered, n);
      buffered += n;
      off += n;
      len -= n;
      if (buffered == Cobblestone.CHUNK_BYTES) {
        // A full chunk is never the last one in this format, so it can go out at once.
        sealBuffered();
      }
    }
  }

  private void sealBuffered() throws IOException {
    seal(plain, 0, buffered);
    buffered = 0;
  }

  /** Seals {@code len} bytes (at most one chunk) as the next chunk and writes it to the sink. */
  private void seal(byte[] b, int off, int len) throws IOException {
    if (sealed.length < len + Cobblestone.TAG_BYTES) {
      sealed =
          new byte
              [len == Cobblestone.CHUNK_BYTES
                  ? Cobblestone.SEALED_CHUNK_BYTES
                  : len + Cobblestone.TAG_BYTES];
    }
    counter.accept(len);
    int n = chunks.encrypt(index++, b, off, len, sealed, 0);
    sink.write(sealed, 0, n);
  }

  /** Does not flush a partial chunk (that would end the message); flushes the sink. */
  @Override
  public void flush() throws IOException {
    sink.flush();
  }

  /** Writes the final chunk and closes the sink. Idempotent. */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      sealBuffered();
      sink.flush();
    } finally {
      Arrays.fill(plain, (byte) 0);
      sink.close();
    }
  }
}
