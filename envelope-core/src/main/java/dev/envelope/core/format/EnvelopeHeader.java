package dev.envelope.core.format;

import dev.envelope.core.BodyAlgorithm;
import java.util.List;
import java.util.SortedMap;

/**
 * A parsed envelope header (format v1). {@code authenticated} holds the exact bytes the body's
 * context is computed from: the prefix through the end of the protected header.
 */
public final class EnvelopeHeader {
  /** One wrapped copy of the data key. */
  // Byte strings of the format, never compared or hashed as records: no defensive copies on the
  // hot path (D22 lists the Error Prone checks kept off and why).
  @SuppressWarnings("ArrayRecordComponent")
  public record Recipient(byte[] kekRef, long wrapAlgorithm, byte[] wrappedKey) {}

  public final BodyAlgorithm algorithm;
  public final String logicalKeyId;
  public final SortedMap<String, String> context;

  /** The A256GCM key commitment; null for Cobblestone-256. */
  public final byte[] commitment;

  public final List<Recipient> recipients;
  public final byte[] authenticated;
  public final int length;

  public EnvelopeHeader(
      BodyAlgorithm algorithm,
      String logicalKeyId,
      SortedMap<String, String> context,
      byte[] commitment,
      List<Recipient> recipients,
      byte[] authenticated,
      int length) {
    this.algorithm = algorithm;
    this.logicalKeyId = logicalKeyId;
    this.context = context;
    this.commitment = commitment;
    this.recipients = recipients;
    this.authenticated = authenticated;
    this.length = length;
  }
}
