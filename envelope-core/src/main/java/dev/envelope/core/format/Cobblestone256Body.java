package dev.envelope.core.format;

import dev.envelope.core.AuthenticationException;
import dev.envelope.core.BodyAlgorithm;
import dev.envelope.core.EnvelopeLimits;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Optional;

/**
 * The Cobblestone-256 body ({@code alg = 1}, FORMAT.md §4.1): salt (24) || commitment (32) ||
 * chunks, written by streams and by the {@code byte[]} API above the buffered-body limit. Its
 * commitment is derived from the data key, the salt and the authenticated header, so a passing
 * check authenticates the header too.
 */
public final class Cobblestone256Body implements Body {
  public static final Cobblestone256Body INSTANCE = new Cobblestone256Body();

  private Cobblestone256Body() {}

  @Override
  public BodyAlgorithm algorithm() {
    return BodyAlgorithm.COBBLESTONE_256;
  }

  @Override
  public Optional<byte[]> headerCommitment(DerivedKeys key) {
    return Optional.empty();
  }

  @Override
  public boolean commitmentCoversHeader() {
    return true;
  }

  @Override
  public long bodyLength(long plaintextBytes) {
    return Cobblestone.bodyLength(plaintextBytes);
  }

  @Override
  public long plaintextLength(long bodyBytes) {
    return Cobblestone.plaintextLength(bodyBytes);
  }

  @Override
  public int encrypt(DerivedKeys key, byte[] authenticated, byte[] plaintext, byte[] out, int off) {
    byte[] salt = new byte[Cobblestone.SALT_BYTES];
    Randoms.publicValue(salt);
    return Cobblestone.encryptInto(key.prf, salt, authenticated, plaintext, out, off);
  }

  /**
   * Starts a message for a stream: writes the salt and commitment to {@code sink} and returns the
   * stream that seals the chunks.
   *
   * @param counter told the plaintext bytes of each chunk as it is sealed
   */
  public OutputStream encryptingStream(
      DerivedKeys key,
      byte[] authenticated,
      OutputStream sink,
      java.util.function.LongConsumer counter)
      throws IOException {
    byte[] salt = new byte[Cobblestone.SALT_BYTES];
    Randoms.publicValue(salt);
    Cobblestone.MessageKeys keys = Cobblestone.derive(key.prf, salt, authenticated);
    sink.write(salt);
    sink.write(keys.commitment);
    return new EncryptingOutputStream(sink, keys, counter);
  }

  @Override
  public int startBytes() {
    return Cobblestone.PREFIX_BYTES;
  }

  @Override
  public void requireStart(long bodyBytes) {
    if (bodyBytes < Cobblestone.PREFIX_BYTES) {
      throw truncatedStart();
    }
  }

  @Override
  public byte[] readStart(InputStream in, EnvelopeLimits limits) throws IOException {
    byte[] start = in.readNBytes(Cobblestone.PREFIX_BYTES);
    if (start.length < Cobblestone.PREFIX_BYTES) {
      throw truncatedStart();
    }
    return start;
  }

  private static AuthenticationException truncatedStart() {
    return new AuthenticationException(
        "the envelope is truncated: its body is shorter than"
            + " the 56-byte salt and key commitment");
  }

  @Override
  public Decryption check(DerivedKeys key, EnvelopeHeader header, byte[] start, int off) {
    Cobblestone.MessageKeys keys =
        Cobblestone.deriveAndCheck(key.prf, header.authenticated, start, off);
    if (keys == null) {
      throw Body.notThisEnvelopesKey();
    }
    return new Keys(keys);
  }

  /** The message key and base nonce derived for one envelope; independent of the data key. */
  static final class Keys implements Decryption {
    private final Cobblestone.MessageKeys keys;

    private Keys(Cobblestone.MessageKeys keys) {
      this.keys = keys;
    }

    @Override
    public byte[] decrypt(byte[] body, int off, int len) {
      return Cobblestone.decryptChunks(keys, body, off, len);
    }

    @Override
    public void authenticate(byte[] body, int off, int len) {
      Cobblestone.verifyChunks(keys, body, off, len);
    }

    @Override
    public InputStream decryptingStream(byte[] start, InputStream rest) {
      return new DecryptingInputStream(rest, keys);
    }

    @Override
    public void copyAuthenticated(byte[] start, InputStream rest, OutputStream sink)
        throws IOException {
      sink.write(start); // salt and commitment: checked already, nothing secret
      Cobblestone.copyAuthenticated(keys, rest, sink);
    }

    @Override
    public String toString() {
      return "Cobblestone256Body.Keys[...]";
    }
  }

  @Override
  public String toString() {
    return algorithm().label();
  }
}
