package dev.envelope.core;

/**
 * The bytes are not a readable envelope: not an envelope at all, an unsupported format version or
 * algorithm, a truncated or over-long header, a field outside its limit ({@link EnvelopeLimits}).
 * Retrying cannot help; the input is wrong.
 */
public final class MalformedEnvelopeException extends EnvelopeException {
  private static final long serialVersionUID = 1L;

  /**
   * @param message what is wrong with the input, without echoing secrets
   */
  public MalformedEnvelopeException(String message) {
    super(message);
  }

  /**
   * @param message what is wrong
   * @param cause the parser's error
   */
  public MalformedEnvelopeException(String message, Throwable cause) {
    super(message, cause);
  }
}
