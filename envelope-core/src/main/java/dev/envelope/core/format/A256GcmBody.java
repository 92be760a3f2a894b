package dev.envelope.core.format;

import dev.envelope.core.BodyAlgorithm;
import dev.envelope.core.EnvelopeLimits;
import dev.envelope.core.MalformedEnvelopeException;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Optional;

/**
 * The A256GCM body ({@code alg = 2}, FORMAT.md §4.2): nonce (12) || AES-256-GCM ciphertext and tag
 * under the data key's subkey, with the authenticated header as associated data, written by the
 * {@code byte[]} API for messages up to the buffered-body limit. Its commitment is in the header
 * (field 4) and binds the data key only: the header is authenticated by the tag alone, so a reader
 * holds the whole body until it verified.
 */
public final class A256GcmBody implements Body {
  public static final A256GcmBody INSTANCE = new A256GcmBody();

  private A256GcmBody() {}

  @Override
  public BodyAlgorithm algorithm() {
    return BodyAlgorithm.A256GCM;
  }

  @Override
  public Optional<byte[]> headerCommitment(DerivedKeys key) {
    return Optional.of(key.gcm.commitment());
  }

  @Override
  public boolean commitmentCoversHeader() {
    return false;
  }

  @Override
  public long bodyLength(long plaintextBytes) {
    return plaintextBytes + Gcm.OVERHEAD;
  }

  @Override
  public long plaintextLength(long bodyBytes) {
    return bodyBytes >= Gcm.OVERHEAD ? bodyBytes - Gcm.OVERHEAD : -1;
  }

  @Override
  public int encrypt(DerivedKeys key, byte[] authenticated, byte[] plaintext, byte[] out, int off) {
    byte[] nonce = new byte[Gcm.NONCE_BYTES];
    Randoms.publicValue(nonce);
    return Gcm.encrypt(key.gcm.key(), nonce, authenticated, plaintext, out, off);
  }

  /** Nothing: the commitment is in the header, and a short body fails when it is opened. */
  @Override
  public int startBytes() {
    return 0;
  }

  @Override
  public void requireStart(long bodyBytes) {
    // The commitment is in the header; a body shorter than nonce and tag fails in Gcm.open.
  }

  /** The whole body, at most {@link EnvelopeLimits#maxBufferedBodyBytes()} of plaintext (§6). */
  @Override
  public byte[] readStart(InputStream in, EnvelopeLimits limits) throws IOException {
    int max = limits.maxBufferedBodyBytes() + Gcm.OVERHEAD;
    byte[] body = in.readNBytes(max + 1);
    if (body.length > max) {
      throw new MalformedEnvelopeException(
          "the a256gcm body exceeds "
              + limits.maxBufferedBodyBytes()
              + " bytes of plaintext, which a stream buffers at"
              + " most (EnvelopeLimits.maxBufferedBodyBytes); decrypt it with the byte[] API or"
              + " raise the limit");
    }
    return body;
  }

  @Override
  public Decryption check(DerivedKeys key, EnvelopeHeader header, byte[] start, int off) {
    if (!Gcm.commitmentMatches(key.gcm.commitment(), header.commitment)) {
      throw Body.notThisEnvelopesKey();
    }
    return new Keys(key.gcm.key(), header.authenticated);
  }

  /** The data key's subkey and the header it must authenticate; valid while the key is leased. */
  static final class Keys implements Decryption {
    private final AesKey key;
    private final byte[] authenticated;

    private Keys(AesKey key, byte[] authenticated) {
      this.key = key;
      this.authenticated = authenticated;
    }

    @Override
    public byte[] decrypt(byte[] body, int off, int len) {
      return Gcm.decrypt(key, authenticated, body, off, len);
    }

    @Override
    public void authenticate(byte[] body, int off, int len) {
      Arrays.fill(decrypt(body, off, len), (byte) 0);
    }

    /** Decrypts {@code start}, the whole body, now: AES-GCM releases nothing before its tag. */
    @Override
    public InputStream decryptingStream(byte[] start, InputStream rest) {
      byte[] plaintext = decrypt(start, 0, start.length);
      return new FilterInputStream(new ByteArrayInputStream(plaintext)) {
        @Override
        public void close() throws IOException {
          Arrays.fill(plaintext, (byte) 0);
          rest.close();
        }
      };
    }

    @Override
    public void copyAuthenticated(byte[] start, InputStream rest, OutputStream sink)
        throws IOException {
      authenticate(start, 0, start.length);
      sink.write(start);
    }

    @Override
    public String toString() {
      return "A256GcmBody.Keys[...]";
    }
  }

  @Override
  public String toString() {
    return algorithm().label();
  }
}
