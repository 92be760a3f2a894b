package dev.envelope.kms.pkcs11;

import static org.xipki.pkcs11.wrapper.PKCS11Constants.*;

import dev.envelope.core.KeyUnavailableException;
import java.util.Set;
import org.xipki.pkcs11.wrapper.PKCS11Exception;
import org.xipki.pkcs11.wrapper.TokenException;

/**
 * Maps PKCS#11 return values to Envelope's typed errors. Messages name the KEK URI, the operation
 * and the {@code CKR_} code, never a PIN or key bytes.
 */
final class Pkcs11Errors {
  /** The token or library is busy, resetting or briefly gone: the same call may succeed later. */
  private static final Set<Long> RETRYABLE =
      Set.of(
          CKR_DEVICE_ERROR,
          CKR_DEVICE_MEMORY,
          CKR_DEVICE_REMOVED,
          CKR_TOKEN_NOT_PRESENT,
          CKR_TOKEN_NOT_RECOGNIZED,
          CKR_HOST_MEMORY,
          CKR_FUNCTION_FAILED,
          CKR_SESSION_COUNT,
          CKR_SESSION_CLOSED,
          CKR_SESSION_HANDLE_INVALID,
          CKR_USER_NOT_LOGGED_IN,
          CKR_CRYPTOKI_NOT_INITIALIZED,
          CKR_OPERATION_ACTIVE);

  /**
   * The session or object handle went stale (the token was reset, or another part of the process
   * closed all sessions): a second attempt with a fresh session and a fresh key lookup can work.
   */
  private static final Set<Long> STALE_HANDLE =
      Set.of(
          CKR_SESSION_CLOSED,
          CKR_SESSION_HANDLE_INVALID,
          CKR_USER_NOT_LOGGED_IN,
          CKR_OBJECT_HANDLE_INVALID,
          CKR_KEY_HANDLE_INVALID);

  private Pkcs11Errors() {}

  static boolean retryable(long code) {
    return RETRYABLE.contains(code);
  }

  static boolean staleHandle(TokenException e) {
    return e instanceof PKCS11Exception p && STALE_HANDLE.contains(p.getErrorCode());
  }

  /** The error for a failed operation that is not an authentication failure. */
  static KeyUnavailableException unavailable(String uri, String operation, TokenException e) {
    if (!(e instanceof PKCS11Exception p)) {
      // The wrapper's own failures: chiefly "no idle session" after sessionWait.
      return new KeyUnavailableException(
          "PKCS#11 KEK "
              + uri
              + ": "
              + operation
              + " failed: "
              + e.getMessage()
              + " (all sessions busy? raise providers.pkcs11.sessions)",
          true,
          e);
    }
    long code = p.getErrorCode();
    String name = p.getErrorName();
    return new KeyUnavailableException(
        "PKCS#11 KEK " + uri + ": " + operation + " failed with " + name + explain(code),
        retryable(code),
        e);
  }

  private static String explain(long code) {
    if (code == CKR_PIN_INCORRECT || code == CKR_PIN_INVALID || code == CKR_PIN_LEN_RANGE) {
      return ": the token rejected the user PIN (check providers.pkcs11.pinFile / pinEnv)";
    }
    if (code == CKR_PIN_LOCKED || code == CKR_PIN_EXPIRED) {
      return ": the user PIN is locked or expired; the token's security officer must reset it";
    }
    if (code == CKR_MECHANISM_INVALID || code == CKR_MECHANISM_PARAM_INVALID) {
      return ": the token does not support AES-GCM (CKM_AES_GCM) with these parameters";
    }
    if (code == CKR_KEY_FUNCTION_NOT_PERMITTED || code == CKR_KEY_TYPE_INCONSISTENT) {
      return ": the key's attributes do not permit this use (CKA_ENCRYPT / CKA_DECRYPT)";
    }
    if (code == CKR_TOKEN_NOT_PRESENT || code == CKR_DEVICE_REMOVED) {
      return ": the token is not present";
    }
    return "";
  }
}
