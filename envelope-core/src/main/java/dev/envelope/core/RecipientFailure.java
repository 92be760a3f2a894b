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
  /** Why {@code e} stopped {@code uri}: a typed error's message, or a provider error's type. */
  static RecipientFailure of(String uri, RuntimeException e) {
    if (e instanceof KeyUnavailableException k) {
      return new RecipientFailure(uri, k.getMessage(), k.retryable());
    }
    if (e instanceof EnvelopeException) {
      return new RecipientFailure(uri, e.getMessage(), false);
    }
    // A provider bug or an SDK exception it did not map: name it, do not trust its message length.
    String message = e.getMessage() == null ? "" : ": " + e.getMessage();
    if (message.length() > 200) {
      message = message.substring(0, 200) + "...";
    }
    return new RecipientFailure(uri, "provider error " + e.getClass().getSimpleName() + message,
        false);
  }

  /** The failures, one after the other, for an error message. */
  static String describe(java.util.List<RecipientFailure> failures) {
    StringBuilder sb = new StringBuilder();
    for (RecipientFailure f : failures) {
      sb.append(sb.length() == 0 ? "" : "; ").append(f);
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    return kek + ": " + reason;
  }
}
