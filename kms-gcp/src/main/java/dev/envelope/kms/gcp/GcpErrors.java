package dev.envelope.kms.gcp;

import com.google.api.gax.rpc.ApiException;
import com.google.api.gax.rpc.StatusCode;
import dev.envelope.core.AuthenticationException;
import dev.envelope.core.EnvelopeException;
import dev.envelope.core.KeyUnavailableException;
import java.util.Set;

/**
 * Maps Cloud KMS failures to Envelope's typed errors, naming the KEK URI, the operation and the
 * gRPC status with Cloud KMS's message (resource names, never tokens or key bytes).
 */
final class GcpErrors {
  private static final Set<StatusCode.Code> RETRYABLE = Set.of(StatusCode.Code.UNAVAILABLE,
      StatusCode.Code.RESOURCE_EXHAUSTED, StatusCode.Code.DEADLINE_EXCEEDED,
      StatusCode.Code.INTERNAL, StatusCode.Code.ABORTED);

  private GcpErrors() {}

  static EnvelopeException map(String uri, String operation, RuntimeException e, boolean unwrapping) {
    if (e instanceof ApiException api) {
      StatusCode.Code code = api.getStatusCode().getCode();
      String text = "Cloud KMS KEK " + uri + ": " + operation + " failed: " + code + " ("
          + shorten(e.getMessage()) + ")";
      if (unwrapping && code == StatusCode.Code.INVALID_ARGUMENT) {
        return new AuthenticationException(text + ": the ciphertext does not decrypt with this key");
      }
      String hint = switch (code) {
        case PERMISSION_DENIED, UNAUTHENTICATED -> "; grant roles/cloudkms.cryptoKeyEncrypterDecrypter"
            + " (symmetric) or roles/cloudkms.cryptoKeyDecrypter and roles/cloudkms.publicKeyViewer"
            + " (asymmetric) to the workload's principal";
        case FAILED_PRECONDITION -> "; the key version is not enabled";
        case NOT_FOUND -> "; no such key or version";
        default -> "";
      };
      return new KeyUnavailableException(text + hint, RETRYABLE.contains(code), e);
    }
    return new KeyUnavailableException("Cloud KMS KEK " + uri + ": " + operation + " failed: "
        + e.getClass().getSimpleName() + ": " + shorten(e.getMessage()), true, e);
  }

  private static String shorten(String message) {
    if (message == null) {
      return "no message";
    }
    String oneLine = message.replaceAll("\\s+", " ");
    return oneLine.length() > 300 ? oneLine.substring(0, 300) + "…" : oneLine;
  }
}
