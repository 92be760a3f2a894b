package dev.envelope.core.spi;

/**
 * One key-encryption key (KEK), opened by a {@link KekProvider} for a URI of the key policy.
 *
 * <p>Contract:
 *
 * <ul>
 *   <li>{@link #wrap} returns the wrapped bytes for the envelope; the core never interprets them,
 *       it only stores them with {@link #algorithm()}'s id. It must never return the key in clear.
 *   <li>{@link #unwrap} returns the data key, or throws {@link
 *       dev.envelope.core.AuthenticationException} when the wrapped bytes do not authenticate under
 *       this KEK (wrong key, altered bytes, other context), or {@link
 *       dev.envelope.core.KeyUnavailableException} when the KEK cannot be used right now (KMS
 *       unreachable, access denied, key disabled) with {@code retryable} set as appropriate.
 *   <li>Messages of thrown exceptions name the KEK URI and the cause, never key material.
 *   <li>Implementations are thread-safe: one instance serves concurrent encrypts and decrypts.
 * </ul>
 */
public interface Kek extends AutoCloseable {
  /** The size of every data key the core wraps: a 256-bit AES key. */
  int DATA_KEY_BYTES = 32;

  /** The URI this KEK was opened for, exactly as written in the key policy. */
  String uri();

  /** The wrap algorithm recorded with every data key this KEK wraps. */
  WrapAlgorithm algorithm();

  /**
   * True if wrapping needs only a public key (no KMS call and no secret), so any cluster can seal
   * for this KEK.
   */
  default boolean isAsymmetric() {
    return false;
  }

  /** Wraps a data key, bound to {@code context}. */
  byte[] wrap(SecretBytes dataKey, WrapContext context);

  /** Unwraps a data key wrapped by {@link #wrap} under the same context. */
  SecretBytes unwrap(byte[] wrappedKey, WrapContext context);

  /** Releases clients and zeroes key material held by this KEK. Idempotent. */
  @Override
  default void close() {}

  /**
   * What the KEK's service says about its rotation (see {@link KeyRotation}): for compliance checks
   * against the policy's {@code rotationPeriod}. May call the service (a health or doctor check
   * caches the result). Never throws: a failure is {@link KeyRotation#unknown}.
   */
  default KeyRotation rotation() {
    return KeyRotation.unknown("this KEK's provider does not report rotation");
  }

  /**
   * Who this KEK's calls are made as — a role ARN, a service account, a client id and tenant, a
   * token label, a key file — as configured, without a call (audit events carry it). Never a
   * secret. {@link KekProvider#describe} confirms it with the service.
   */
  default String identity() {
    return "unknown";
  }
}
