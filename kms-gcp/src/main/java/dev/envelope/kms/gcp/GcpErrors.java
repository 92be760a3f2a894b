package dev.envelope.kms.gcp;

import com.google.api.gax.rpc.ApiException;
import com.google.api.gax.rpc.StatusCode;
import dev.envelope.core.EnvelopeException;
import dev.envelope.core.spi.KmsCall;
import java.util.Set;

/**
 * Maps Cloud KMS failures to Envelope's typed errors, naming the KEK URI, the operation and the
 * gRPC status with Cloud KMS's message (resource names, never tokens or key bytes).
 */
final class GcpErrors {
  private static final Set<StatusCode.Code> RETRYABLE =
      Set.of(
          StatusCode.Code.UNAVAILABLE,
          StatusCode.Code.RESOURCE_EXHAUSTED,
          StatusCode.Code.DEADLINE_EXCEEDED,
          StatusCode.Code.INTERNAL,
          StatusCode.Code.ABORTED);

  /** The service's name in messages. */
  static final String SERVICE = "Cloud KMS";

  private GcpErrors() {}

  static EnvelopeException map(KmsCall call, RuntimeException e) {
    if (e instanceof ApiException api) {
      StatusCode.Code code = api.getStatusCode().getCode();
      String detail = code + " (" + KmsCall.shorten(e.getMessage()) + ")";
      if (call.readsWrappedKey() && code == StatusCode.Code.INVALID_ARGUMENT) {
        return call.notAuthentic(detail + ": the ciphertext does not decrypt with this key");
      }
      String hint =
          switch (code) {
            case PERMISSION_DENIED, UNAUTHENTICATED ->
                "; grant roles/cloudkms.cryptoKeyEncrypterDecrypter"
                    + " (symmetric) or roles/cloudkms.cryptoKeyDecrypter and roles/cloudkms.publicKeyViewer"
                    + " (asymmetric) to the workload's principal";
            case FAILED_PRECONDITION -> "; the key version is not enabled";
            case NOT_FOUND -> "; no such key or version";
            default -> "";
          };
      return call.unavailable(detail + hint, RETRYABLE.contains(code), e);
    }
    return call.unavailable(
        e.getClass().getSimpleName() + ": " + KmsCall.shorten(e.getMessage()), true, e);
  }
}
