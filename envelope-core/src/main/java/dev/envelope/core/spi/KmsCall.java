package dev.envelope.core.spi;

import dev.envelope.core.AuthenticationException;
import dev.envelope.core.KeyUnavailableException;
import org.jspecify.annotations.Nullable;

/**
 * One call a KEK makes to its KMS or HSM, as its provider's error mapping needs it: whose call it
 * is (for the message), and whether it reads a wrapped key — only then does "this ciphertext is not
 * valid" mean the wrapped key does not authenticate rather than that the KMS is unusable.
 *
 * <pre>{@code
 * } catch (SdkException e) {
 *   throw KmsErrors.map(KmsCall.unwrap("AWS KMS", uri, "Decrypt"), e);
 * }
 * }</pre>
 *
 * @param service the service's name in messages, e.g. {@code AWS KMS}
 * @param uri the KEK URI
 * @param operation the service's name for the call, e.g. {@code Decrypt}
 * @param readsWrappedKey true for an unwrap
 */
public record KmsCall(String service, String uri, String operation, boolean readsWrappedKey) {
  /** The longest part of a service's own error message kept in ours. */
  public static final int MAX_DETAIL_CHARS = 300;

  /** A call that wraps a data key. */
  public static KmsCall wrap(String service, String uri, String operation) {
    return new KmsCall(service, uri, "wrap (" + operation + ")", false);
  }

  /** A call that unwraps a wrapped key read from an envelope. */
  public static KmsCall unwrap(String service, String uri, String operation) {
    return new KmsCall(service, uri, "unwrap (" + operation + ")", true);
  }

  /** A call that reads the key's metadata or public key. */
  public static KmsCall lookup(String service, String uri, String operation) {
    return new KmsCall(service, uri, operation, false);
  }

  /** "SERVICE KEK URI: OPERATION failed", the start of every message about this call. */
  public String failed() {
    return service + " KEK " + uri + ": " + operation + " failed";
  }

  /** The wrapped key does not authenticate under this KEK (only for a call that reads one). */
  public AuthenticationException notAuthentic(String detail) {
    return new AuthenticationException(failed() + ": " + detail);
  }

  /** The service could not be used for this call; {@code retryable} as the answer says. */
  public KeyUnavailableException unavailable(
      String detail, boolean retryable, @Nullable Throwable cause) {
    return retryable
        ? KeyUnavailableException.retryable(failed() + ": " + detail, cause)
        : KeyUnavailableException.permanent(failed() + ": " + detail, cause);
  }

  /**
   * A service's own message made safe to embed: one line, at most {@link #MAX_DETAIL_CHARS}
   * characters ("no message" if none). Services put resource names there, never credentials.
   */
  public static String shorten(@Nullable String message) {
    if (message == null) {
      return "no message";
    }
    String oneLine = message.replaceAll("\\s+", " ").trim();
    return oneLine.length() > MAX_DETAIL_CHARS
        ? oneLine.substring(0, MAX_DETAIL_CHARS) + "…"
        : oneLine;
  }
}
