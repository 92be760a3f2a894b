package dev.envelope.kms.aws;

import dev.envelope.core.EnvelopeException;
import dev.envelope.core.spi.KmsCall;
import java.util.Set;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Maps AWS SDK failures to Envelope's typed errors. Messages name the KEK URI, the operation, the
 * AWS error code and AWS's message (ARNs and principals, never credentials or key bytes).
 */
final class KmsErrors {
  /** The ciphertext is not one this key made under this context. */
  private static final Set<String> NOT_AUTHENTIC =
      Set.of("InvalidCiphertextException", "IncorrectKeyException");

  /** Worth trying again later: the SDK already retried these within the call's deadline. */
  private static final Set<String> RETRYABLE =
      Set.of(
          "ThrottlingException",
          "Throttling",
          "ThrottledException",
          "RequestLimitExceeded",
          "LimitExceededException",
          "KMSInternalException",
          "DependencyTimeoutException",
          "KeyUnavailableException",
          "InternalFailure",
          "ServiceUnavailable",
          "ExpiredTokenException",
          "IDPCommunicationError",
          "RequestTimeout");

  /** The service's name in messages. */
  static final String SERVICE = "AWS KMS";

  private KmsErrors() {}

  static EnvelopeException map(KmsCall call, SdkException e) {
    if (e instanceof AwsServiceException aws) {
      // The request id of a refused call, for the audit trail: CloudTrail logs refusals too.
      dev.envelope.core.spi.CallReference.record(aws.requestId());
      String code = aws.awsErrorDetails() == null ? "unknown" : aws.awsErrorDetails().errorCode();
      String service = aws.awsErrorDetails() == null ? "AWS" : aws.awsErrorDetails().serviceName();
      String message = aws.awsErrorDetails() == null ? null : aws.awsErrorDetails().errorMessage();
      String detail =
          service
              + " answered "
              + aws.statusCode()
              + " "
              + code
              + (message == null ? "" : " (" + KmsCall.shorten(message) + ")");
      if (call.readsWrappedKey() && NOT_AUTHENTIC.contains(code)) {
        return call.notAuthentic(detail);
      }
      boolean retryable = RETRYABLE.contains(code) || aws.statusCode() >= 500;
      return call.unavailable(detail + hint(code), retryable, e);
    }
    // No answer: connection refused, timeouts (ApiCallTimeoutException), credentials not loadable.
    return call.unavailable(
        "no answer from AWS: "
            + e.getClass().getSimpleName()
            + ": "
            + KmsCall.shorten(e.getMessage()),
        true,
        e);
  }

  private static String hint(String code) {
    return switch (code) {
      case "AccessDeniedException", "AccessDenied" ->
          "; grant the role kms:Encrypt, kms:Decrypt, kms:DescribeKey (and kms:GetPublicKey for RSA"
              + " keys) on this key";
      case "DisabledException", "KMSInvalidStateException" ->
          "; the key is disabled or pending" + " deletion";
      case "InvalidIdentityToken" ->
          "; the projected service-account token was refused by STS"
              + " (audience sts.amazonaws.com? role trust policy?)";
      default -> "";
    };
  }
}
