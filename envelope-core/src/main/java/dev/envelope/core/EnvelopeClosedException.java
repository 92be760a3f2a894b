package dev.envelope.core;

/**
 * The {@link Envelope} was closed: a call made after {@link Envelope#close()}, or one in flight
 * when it closed and reached a key, cache or executor that close had already released. Not
 * retryable on the same facade; build a new one.
 */
public final class EnvelopeClosedException extends EnvelopeException {
  private static final long serialVersionUID = 1L;

  EnvelopeClosedException(String message) {
    super(message);
  }

  EnvelopeClosedException(String message, Throwable cause) {
    super(message, cause);
  }
}
