package dev.envelope.kms.azure;

import com.azure.core.exception.ClientAuthenticationException;
import com.azure.core.exception.HttpResponseException;
import com.azure.identity.CredentialUnavailableException;
import com.microsoft.aad.msal4j.MsalServiceException;
import dev.envelope.core.EnvelopeException;
import dev.envelope.core.spi.KmsCall;

/**
 * Maps Azure SDK failures to Envelope's typed errors, naming the KEK URI, the operation and the
 * HTTP status with Key Vault's message (no tokens, no key bytes).
 */
final class KeyVaultErrors {
  /** The service's name in messages. */
  static final String SERVICE = "Azure";

  private KeyVaultErrors() {}

  static EnvelopeException map(KmsCall call, RuntimeException e) {
    // Token failures arrive wrapped (the retry policy rethrows what MSAL threw): look down the
    // chain.
    for (Throwable t = e; t != null; t = t.getCause()) {
      boolean msal = t instanceof MsalServiceException;
      if (msal
          || t instanceof ClientAuthenticationException
          || t instanceof CredentialUnavailableException) {
        int status = msal ? ((MsalServiceException) t).statusCode() : 401;
        return call.unavailable(
            "no token for Key Vault ("
                + KmsCall.shorten(t.getMessage())
                + "); check the workload identity (client id, tenant, federated credential)",
            status == 429 || status >= 500,
            e);
      }
    }
    if (e instanceof HttpResponseException http && http.getResponse() != null) {
      int status = http.getResponse().getStatusCode();
      String detail = "Key Vault answered " + status + " (" + KmsCall.shorten(e.getMessage()) + ")";
      if (call.readsWrappedKey() && status == 400) {
        return call.notAuthentic(detail + ": the wrapped key does not unwrap with this key");
      }
      boolean retryable = status == 408 || status == 429 || status >= 500;
      String hint =
          switch (status) {
            case 401, 403 ->
                "; the identity needs the role 'Key Vault Crypto Service Encryption User'"
                    + " (wrap/unwrap, get key) on the key, or 'Managed HSM Crypto User' on a Managed HSM,"
                    + " and the key must be enabled";
            case 404 -> "; no such key or version in this vault";
            default -> "";
          };
      return call.unavailable(detail + hint, retryable, e);
    }
    return call.unavailable(
        "no answer from Key Vault: "
            + e.getClass().getSimpleName()
            + ": "
            + KmsCall.shorten(e.getMessage()),
        true,
        e);
  }
}
