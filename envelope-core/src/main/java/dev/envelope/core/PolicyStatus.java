package dev.envelope.core;

import java.time.Instant;
import java.util.Optional;

/**
 * Which key policy a facade enforces and how its last reload went: for health checks, metrics and
 * the question "has every cluster picked up this change?" (compare {@link #digest()}s). Immutable.
 *
 * @param source what the policy is read from ({@link PolicySource#description()})
 * @param digest the {@link KeyPolicy#digest()} of the policy in force
 * @param generation 1 for the policy the facade was built with, one more for each applied change
 * @param appliedAt when the policy in force was applied
 * @param lastOutcome what the last version the source reported led to
 * @param lastAttemptAt when the source last reported a version (or the facade was built)
 * @param lastError why the last version was rejected, if it was: names the file or resource, the
 *     field and what is allowed (never key material)
 */
public record PolicyStatus(
    String source,
    String digest,
    long generation,
    Instant appliedAt,
    Outcome lastOutcome,
    Instant lastAttemptAt,
    Optional<String> lastError) {

  /** What a version reported by the source led to. */
  public enum Outcome {
    /** The policy the facade was built with. */
    LOADED,
    /** A changed policy is now in force. */
    APPLIED,
    /** The new version says what the policy in force says (same digest): nothing changed. */
    UNCHANGED,
    /** The new version failed parsing or provider validation; the previous one stays in force. */
    REJECTED
  }

  /** True unless the last version was rejected. */
  public boolean healthy() {
    return lastOutcome != Outcome.REJECTED;
  }
}
