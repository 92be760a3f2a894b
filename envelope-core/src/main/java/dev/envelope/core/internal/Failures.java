package dev.envelope.core.internal;

import dev.envelope.core.EnvelopeException;
import dev.envelope.core.KeyUnavailableException;
import dev.envelope.core.RecipientFailure;
import java.util.List;

/** How a KEK's failure is recorded and told. */
final class Failures {
  private Failures() {}

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
    return new RecipientFailure(
        uri, "provider error " + e.getClass().getSimpleName() + message, false);
  }

  /** The failures, one after the other, for an error message. */
  static String describe(List<RecipientFailure> failures) {
    StringBuilder sb = new StringBuilder();
    for (RecipientFailure f : failures) {
      sb.append(sb.length() == 0 ? "" : "; ").append(f);
    }
    return sb.toString();
  }
}
