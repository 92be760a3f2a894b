package dev.envelope.core;

import java.util.List;
import java.util.SortedMap;

/**
 * A parsed envelope header (format v1). {@code authenticated} holds the exact bytes the body's
 * context is computed from: the prefix through the end of the protected header.
 */
final class EnvelopeHeader {
  /** One wrapped copy of the data key. */
  record Recipient(byte[] kekRef, long wrapAlgorithm, byte[] wrappedKey) {}

  final BodyAlgorithm algorithm;
  final String logicalKeyId;
  final SortedMap<String, String> context;
  /** The A256GCM key commitment; null for Cobblestone-256. */
  final byte[] commitment;
  final List<Recipient> recipients;
  final byte[] authenticated;
  final int length;
  /**
   * The data key that last opened an envelope with exactly this header (headers are cached per
   * facade, see {@code HeaderCache}): the same header bytes carry the same wrapped keys, so the
   * same data key. Saves the recipient search on the hot path; never trusted without the body's
   * own commitment check.
   */
  volatile DataKey opener;

  EnvelopeHeader(
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
