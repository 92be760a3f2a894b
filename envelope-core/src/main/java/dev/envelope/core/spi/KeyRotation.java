package dev.envelope.core.spi;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * What a KEK's own service says about its rotation, without secrets: the automatic rotation period
 * and the next rotation if the service rotates the key itself, and when the key material in use was
 * created. A provider reports what its service exposes ({@link Kek#rotation()}); the core judges it
 * against the policy's {@code rotationPeriod}.
 *
 * @param automaticPeriod how often the service rotates the key on its own; empty if it does not
 * @param nextRotation when it will next, if it says
 * @param currentKeyCreated when the key material that wraps now was created, if known
 * @param evidence where this was read, e.g. {@code AWS KMS GetKeyRotationStatus, ListKeyRotations}
 * @param unknown why nothing is known, if nothing is (then the other fields are empty)
 */
public record KeyRotation(
    Optional<Duration> automaticPeriod,
    Optional<Instant> nextRotation,
    Optional<Instant> currentKeyCreated,
    String evidence,
    Optional<String> unknown) {

  /** Nothing is known, for {@code reason}. */
  public static KeyRotation unknown(String reason) {
    return new KeyRotation(
        Optional.empty(), Optional.empty(), Optional.empty(), "", Optional.of(reason));
  }

  /** A key its service rotates every {@code period}. */
  public static KeyRotation automatic(
      Duration period, Instant next, Instant currentKeyCreated, String evidence) {
    return new KeyRotation(
        Optional.of(period),
        Optional.ofNullable(next),
        Optional.ofNullable(currentKeyCreated),
        evidence,
        Optional.empty());
  }

  /** A key that is rotated by hand (or not at all); its current material was created then. */
  public static KeyRotation manual(Instant currentKeyCreated, String evidence) {
    return new KeyRotation(
        Optional.empty(),
        Optional.empty(),
        Optional.ofNullable(currentKeyCreated),
        evidence,
        Optional.empty());
  }
}
