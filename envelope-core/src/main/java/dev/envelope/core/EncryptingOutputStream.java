package dev.envelope.core;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * Seals a stream chunk by chunk: buffers at most 16 KiB of plaintext, writes each full chunk as
 * soon as it fills, and on {@link #close()} writes the final short chunk (possibly empty, as the
 * format requires) and closes the sink. Not thread-safe.
 */
final class EncryptingOutputStream extends OutputStream {
  private final OutputStream sink;
  private final Cobblestone.ChunkCipher chunks;
  private final java.util.function.LongConsumer onClose;
  private long total;
  private final byte[] plain = new byte[Cobblestone.CHUNK_BYTES];
  private final byte[] sealed = new byte[Cobblestone.SEALED_CHUNK_BYTES];
  private int buffered;
  private long index;
  private boolean closed;

  /** @param onClose told the number of plaintext bytes when the stream closes */
  EncryptingOutputStream(
      OutputStream sink, Cobblestone.ChunkCipher chunks, java.util.function.LongConsumer onClose) {
    this.sink = sink;
    this.chunks = chunks;
    this.onClose = onClose;
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
      int n = Math.min(len, plain.length - buffered);
      System.arraycopy(b, off, plain, buffered, n);
      buffered += n;
      total += n;
      off += n;
      len -= n;
      if (buffered == plain.length) {
        // A full chunk is never the last one in this format, so it can go out at once.
        sealBuffered();
      }
    }
  }

  private void sealBuffered() throws IOException {
    int n = chunks.seal(index++, plain, 0, buffered, sealed, 0);
    sink.write(sealed, 0, n);
    buffered = 0;
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
    onClose.accept(total);
    try {
      sealBuffered();
      sink.flush();
    } finally {
      Arrays.fill(plain, (byte) 0);
      sink.close();
    }
  }
}
