package dev.envelope.core;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * No key could be used: the logical key is not in the policy, no recipient of the envelope is a KEK
 * the policy names, no provider serves a KEK's scheme here, or the KMS refused or could not be
 * reached. {@link #retryable()} says whether the same call may succeed later (a KMS that was
 * unreachable or throttling) or not (access denied, key disabled, key not in the policy).
 */
public final class KeyUnavailableException extends EnvelopeException {
  private static final long serialVersionUID = 1L;
  private final boolean retryable;
  private final transient List<RecipientFailure> recipientFailures;

  /**
   * @param message what is unavailable and what to do
   * @param retryable see {@link #retryable()}
   */
  public KeyUnavailableException(String message, boolean retryable) {
    this(message, retryable, List.of(), null);
  }

  /**
   * @param message what is unavailable and what to do
   * @param retryable see {@link #retryable()}
   * @param cause the provider's or SDK's error, if any
   */
  public KeyUnavailableException(String message, boolean retryable, @Nullable Throwable cause) {
    this(message, retryable, List.of(), cause);
  }

  /**
   * @param message what is unavailable
   * @param retryable see {@link #retryable()}
   * @param recipientFailures why each recipient or KEK failed
   * @param cause the underlying error, if any
   */
  public KeyUnavailableException(
      String message,
      boolean retryable,
      List<RecipientFailure> recipientFailures,
      @Nullable Throwable cause) {
    super(message, cause);
    this.retryable = retryable;
    this.recipientFailures = List.copyOf(recipientFailures);
  }

  /** A failure that may pass (unreachable or throttling KMS): callers retry with backoff. */
  public static KeyUnavailableException retryable(String message, @Nullable Throwable cause) {
    return new KeyUnavailableException(message, true, cause);
  }

  /** A failure that will not pass by itself (access denied, key disabled, not in the policy). */
  public static KeyUnavailableException permanent(String message, @Nullable Throwable cause) {
    return new KeyUnavailableException(message, false, cause);
  }

  /** True if the failure may be transient (unreachable or throttling KMS): retry with backoff. */
  public boolean retryable() {
    return retryable;
  }

  /** Why each recipient or KEK failed, in the order tried; empty when not per recipient. */
  public List<RecipientFailure> recipientFailures() {
    return recipientFailures == null ? List.of() : recipientFailures;
  }
}
