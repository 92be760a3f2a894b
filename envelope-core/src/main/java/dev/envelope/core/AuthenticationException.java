package dev.envelope.core;

import java.util.List;

/**
 * The envelope did not authenticate: its ciphertext, key commitment or wrapped data key was altered
 * or truncated, it was sealed under a different context, or the KEK at hand is not the one it was
 * sealed with. No plaintext of an unauthenticated part is ever returned.
 */
public final class AuthenticationException extends EnvelopeException {
  private static final long serialVersionUID = 1L;
  private final transient List<RecipientFailure> recipientFailures;

  /**
   * @param message what failed to authenticate
   */
  public AuthenticationException(String message) {
    this(message, List.of());
  }

  /**
   * @param message what failed
   * @param recipientFailures why each tried recipient failed
   */
  public AuthenticationException(String message, List<RecipientFailure> recipientFailures) {
    super(message);
    this.recipientFailures = List.copyOf(recipientFailures);
  }

  /** Why each recipient that decrypt tried failed; empty when the failure was not per recipient. */
  public List<RecipientFailure> recipientFailures() {
    return recipientFailures == null ? List.of() : recipientFailures;
  }
}
