package dev.envelope.core;

/**
 * The base of every error this library throws on bad input or an unusable key. Unchecked, so
 * callers catch what they can act on: {@link MalformedEnvelopeException}, {@link
 * AuthenticationException}, {@link KeyUnavailableException} (see {@link
 * KeyUnavailableException#retryable()}), {@link InvalidPolicyException}.
 *
 * <p>Messages say what went wrong and what to do; they never contain key material or plaintext.
 */
public abstract class EnvelopeException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  EnvelopeException(String message) {
    super(message);
  }

  EnvelopeException(String message, Throwable cause) {
    super(message, cause);
  }
}
