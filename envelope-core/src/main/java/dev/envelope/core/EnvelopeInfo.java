package dev.envelope.core;

import dev.envelope.core.format.KekUris;
import dev.envelope.core.spi.WrapAlgorithm;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What an envelope's header says, read without any key: format version, body algorithm, logical
 * key, stored context and recipients. Returned by {@link Envelope#inspect(byte[])}. The context is
 * stored in clear in every envelope, so showing it reveals nothing new.
 *
 * @param formatVersion the format version (1)
 * @param algorithm the body algorithm
 * @param logicalKeyId the logical key it was sealed under
 * @param context the stored context, sorted by key
 * @param recipients one entry per wrapped copy of the data key
 * @param headerBytes the header's length in bytes
 * @param bodyBytes the body's length, or -1 when read from a stream
 * @param plaintextBytes the plaintext's length as the body's length implies, or -1 when unknown or
 *     when the body's length is impossible (truncated)
 * @param standing whether the envelope is current for the policy it was inspected against
 */
public record EnvelopeInfo(
    int formatVersion,
    BodyAlgorithm algorithm,
    String logicalKeyId,
    Map<String, String> context,
    List<RecipientInfo> recipients,
    int headerBytes,
    long bodyBytes,
    long plaintextBytes,
    Standing standing) {

  /** Copies the collections. */
  public EnvelopeInfo {
    context = Map.copyOf(context);
    recipients = List.copyOf(recipients);
  }

  /**
   * The recipient reference an envelope records for {@code kekUri}: hex of the first 8 bytes of
   * SHA-256 of the URI as written ({@code docs/FORMAT.md} §3). Short and stable: useful as a metric
   * tag or a file name where the URI is long.
   */
  public static String kekReference(String kekUri) {
    return KekUris.hex(KekUris.reference(kekUri));
  }

  /**
   * Where an envelope stands against a key policy, from its header alone (no key is used, so an
   * envelope can be altered and still look current; opening it decides). Rewrapping an envelope
   * that needs it makes it current.
   */
  public enum Standing {
    /** Inspected without a policy. */
    UNRESOLVED,
    /**
     * The policy names its logical key, every recipient is one of that key's {@code keks}, and
     * every one of the {@code keks} has a recipient: exactly what a new envelope would carry.
     */
    CURRENT,
    /**
     * The policy names its logical key and at least one recipient's KEK may unwrap it ({@code keks}
     * or {@code decryptOnly}), but a {@code keks} entry has no recipient (a KEK added since, or one
     * that was down when it was sealed with {@code minWrap} below all), or a recipient is
     * decrypt-only or no longer in the policy.
     */
    NEEDS_REWRAP,
    /**
     * Not openable here under this policy: the policy does not name its logical key, or none of its
     * recipients is a KEK the policy allows for it. Rewrap cannot help.
     */
    NOT_OPENABLE
  }

  /** True if {@link #standing()} is {@link Standing#NEEDS_REWRAP}. */
  public boolean needsRewrap() {
    return standing == Standing.NEEDS_REWRAP;
  }

  /** How a recipient's KEK stands in a key policy. */
  public enum KekStatus {
    /** Inspected without a policy. */
    UNRESOLVED,
    /** One of the logical key's {@code keks}. */
    ACTIVE,
    /** One of its {@code decryptOnly} KEKs: rewrap to drop it. */
    DECRYPT_ONLY,
    /** Not named by the policy for this logical key. */
    NOT_IN_POLICY
  }

  /**
   * One recipient.
   *
   * @param kekReference the 8-byte KEK reference in hex (SHA-256 prefix of the KEK URI)
   * @param kekUri the KEK URI, when a policy was given and names it
   * @param status how the KEK stands in the policy
   * @param wrapAlgorithm how the data key was wrapped
   * @param wrappedKeyBytes length of the wrapped data key
   */
  public record RecipientInfo(
      String kekReference,
      Optional<String> kekUri,
      KekStatus status,
      WrapAlgorithm wrapAlgorithm,
      int wrappedKeyBytes) {}
}
