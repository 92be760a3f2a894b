package dev.envelope.core.format;

import dev.envelope.core.AuthenticationException;
import dev.envelope.core.BodyAlgorithm;
import dev.envelope.core.EnvelopeLimits;
import dev.envelope.core.MalformedEnvelopeException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * One body algorithm of {@code docs/FORMAT.md} §4: how a message is encrypted under a data key, how
 * its body is laid out and how long it may be, and how a reader checks a data key against an
 * envelope before decrypting it. One implementation per header {@code alg}; {@link Bodies} is the
 * registry. A new body is one new class here, a line in {@link Bodies} and its id in {@link
 * BodyAlgorithm}.
 */
public sealed interface Body permits Cobblestone256Body, A256GcmBody {
  public BodyAlgorithm algorithm();

  /**
   * The protected header's field 4 for this data key, or empty if the body holds its commitment.
   */
  public Optional<byte[]> headerCommitment(DerivedKeys key);

  /**
   * True if a passing {@link #check} authenticates the header as well (the commitment is derived
   * from it); false if only the body's tag does, so the whole body must authenticate first.
   */
  public boolean commitmentCoversHeader();

  /** Body bytes of a message of {@code plaintextBytes}. */
  public long bodyLength(long plaintextBytes);

  /** Plaintext bytes of a body of {@code bodyBytes}, or -1 if no message has that length. */
  public long plaintextLength(long bodyBytes);

  /** Encrypts a whole message into {@code out} at {@code off}; returns the bytes written. */
  public int encrypt(DerivedKeys key, byte[] authenticated, byte[] plaintext, byte[] out, int off);

  /** The body bytes a reader needs before it can check a data key ({@link #check}). */
  public int startBytes();

  /**
   * Refuses a body too short to hold its start. An authentication failure, like any other cut after
   * the header (FORMAT.md §7): the header parsed, so the bytes are an envelope that was truncated,
   * not something that is not an envelope.
   *
   * @throws AuthenticationException if {@code bodyBytes < startBytes()}
   */
  public void requireStart(long bodyBytes);

  /**
   * Reads from a stream positioned at the body what {@link #check} and the decryption start from:
   * the first {@link #startBytes()} bytes, or the whole body if it must be held before anything of
   * it is released.
   *
   * @throws AuthenticationException if the body ends too early
   * @throws MalformedEnvelopeException if the body exceeds what a stream may buffer
   */
  public byte[] readStart(InputStream in, EnvelopeLimits limits) throws IOException;

  /**
   * Checks {@code key} against the envelope's key commitment, in constant time.
   *
   * @param start the body's first bytes at {@code off} (at least {@link #startBytes()})
   * @return the message's decryption
   * @throws AuthenticationException if {@code key} is not this envelope's data key
   */
  public Decryption check(DerivedKeys key, EnvelopeHeader header, byte[] start, int off);

  /** What {@link #check} throws for a data key that is not the envelope's. */
  static AuthenticationException notThisEnvelopesKey() {
    return new AuthenticationException(
        "the unwrapped data key does not match the envelope's key"
            + " commitment (a recipient of another envelope, or the header or body was altered)");
  }
}
