package dev.envelope.core;

import org.jspecify.annotations.Nullable;

/**
 * Hooks for metrics and tracing (the Spring Boot starter's Micrometer binding implements it): told
 * of each {@code byte[]} encrypt and decrypt and of each KEK call, with names and timings only —
 * logical key ids, KEK URIs, error types — never key material or plaintext.
 *
 * <p>Called on the caller's thread; implementations must be thread-safe and quick. An exception an
 * observer throws is logged and ignored: observing never changes a result. Streams are not reported
 * (their duration is the caller's I/O); their KEK calls are.
 */
public interface EnvelopeObserver {
  /** The observer that ignores everything (the default). */
  EnvelopeObserver NONE = new EnvelopeObserver() {};

  /** A facade call. */
  enum Operation {
    ENCRYPT,
    DECRYPT
  }

  /** A call to a KEK (a KMS or HSM round trip for most providers). */
  enum KekOperation {
    WRAP,
    UNWRAP
  }

  /**
   * A {@code byte[]} encrypt or decrypt finished.
   *
   * @param logicalKeyId the logical key, or null if a decrypt failed before its header was read
   * @param plaintextBytes the plaintext's size (on failure: what was given, or 0)
   * @param failure null on success, else the typed error the caller receives
   */
  default void operation(
      Operation operation,
      @Nullable String logicalKeyId,
      long plaintextBytes,
      long nanos,
      @Nullable EnvelopeException failure) {}

  /**
   * A KEK wrapped or unwrapped a data key (on cache misses only).
   *
   * @param failure null on success, else what the provider threw
   */
  default void kekCall(
      KekOperation operation,
      String logicalKeyId,
      String kekUri,
      long nanos,
      @Nullable RuntimeException failure) {}

  /**
   * The facade loaded its policy ({@link PolicyStatus.Outcome#LOADED}, once, while it is built) or
   * its source reported a new version: applied, unchanged or rejected ({@link
   * PolicyStatus#lastOutcome()}). Called on the source's thread.
   *
   * @param inForce the policy in force after this event (the previous one unless applied)
   */
  default void policyReload(PolicyStatus status, KeyPolicy inForce) {}
}
