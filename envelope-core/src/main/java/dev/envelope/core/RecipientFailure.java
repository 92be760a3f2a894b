package dev.envelope.core;

/**
 * Why one recipient (one wrapped copy of the data key) or one KEK could not be used.
 *
 * @param kek the KEK URI from the policy, or the recipient's KEK reference in hex when the policy
 *     does not name it
 * @param reason what went wrong, without secrets
 * @param retryable whether a retry may succeed
 */
public record RecipientFailure(String kek, String reason, boolean retryable) {
  @Override
  public String toString() {
    return kek + ": " + reason;
  }
}
