package dev.envelope.kms.azure;

import dev.envelope.core.spi.ProviderSettings;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This cluster's {@code providers.azure-kv} settings: the credential, timeouts and retries. Secrets
 * never appear here; workload identity needs none, and a client secret, when chosen explicitly,
 * comes from {@code AZURE_CLIENT_SECRET}.
 *
 * @param credentials {@code default}, {@code workload-identity}, {@code managed-identity} or {@code
 *     client-secret}
 * @param tenantId default {@code AZURE_TENANT_ID}
 * @param clientId default {@code AZURE_CLIENT_ID} (for managed identity: a user-assigned one)
 * @param tokenFile the federated token file, default {@code AZURE_FEDERATED_TOKEN_FILE}
 * @param authorityHost default {@code AZURE_AUTHORITY_HOST}, else the public cloud's
 * @param endpoint a Key Vault endpoint override (private endpoint, tests); key ids keep the
 *     policy's host
 * @param verifyChallengeResource check that Key Vault's 401 challenge names a resource of the
 *     vault's domain (switch off only for endpoints reached by IP or a private DNS name)
 * @param connectTimeout deadline for opening a connection
 * @param attemptTimeout deadline for one response (formerly {@code responseTimeout})
 * @param maxAttempts attempts per call, the first included (formerly {@code maxRetries}, one less)
 */
record AzureSettings(
    String credentials,
    Optional<String> tenantId,
    Optional<String> clientId,
    Optional<String> tokenFile,
    Optional<String> authorityHost,
    Optional<URI> endpoint,
    boolean verifyChallengeResource,
    Duration connectTimeout,
    Duration attemptTimeout,
    int maxAttempts) {
  private static final Logger LOG = LoggerFactory.getLogger(AzureSettings.class);
  static final Set<String> MODES =
      Set.of("default", "workload-identity", "managed-identity", "client-secret");

  static AzureSettings from(ProviderSettings settings) {
    ProviderSettings s = settings.renamed("responseTimeout", ProviderSettings.ATTEMPT_TIMEOUT);
    s.allowOnly(
        Set.of(
            "credentials",
            "tenantId",
            "clientId",
            "tokenFile",
            "authorityHost",
            ProviderSettings.ENDPOINT,
            "verifyChallengeResource",
            ProviderSettings.CONNECT_TIMEOUT,
            ProviderSettings.ATTEMPT_TIMEOUT,
            ProviderSettings.MAX_ATTEMPTS,
            "maxRetries"));
    String mode = s.get("credentials").orElse("default");
    if (!MODES.contains(mode)) {
      throw s.invalid(
          "credentials",
          "one of default, workload-identity, managed-identity,"
              + " client-secret; got '"
              + mode
              + "'");
    }
    Optional<URI> endpoint =
        s.get("endpoint")
            .map(
                v -> {
                  try {
                    URI uri = new URI(v);
                    if (!"https".equals(uri.getScheme()) || uri.getHost() == null) {
                      throw s.invalid(
                          "endpoint",
                          "must be an https URL (Key Vault tokens only travel over TLS)");
                    }
                    return uri;
                  } catch (URISyntaxException e) {
                    throw s.invalid("endpoint", "not a URL: " + v);
                  }
                });
    Duration max = Duration.ofMinutes(5);
    return new AzureSettings(
        mode,
        s.get("tenantId"),
        s.get("clientId"),
        s.get("tokenFile"),
        s.get("authorityHost"),
        endpoint,
        s.bool("verifyChallengeResource", true),
        s.duration(ProviderSettings.CONNECT_TIMEOUT, Duration.ofSeconds(2), max),
        s.duration(ProviderSettings.ATTEMPT_TIMEOUT, Duration.ofSeconds(5), max),
        maxAttempts(s));
  }

  /** {@code maxAttempts} (default 3), or the deprecated {@code maxRetries} + 1. */
  private static int maxAttempts(ProviderSettings s) {
    if (s.get("maxRetries").isEmpty()) {
      return s.integer(ProviderSettings.MAX_ATTEMPTS, 3, 1, 11);
    }
    if (s.get(ProviderSettings.MAX_ATTEMPTS).isPresent()) {
      throw s.invalid(
          "maxRetries", "is the old form of maxAttempts (retries + 1); give only" + " maxAttempts");
    }
    LOG.warn(
        "{}: providers.azure-kv.maxRetries is deprecated; give maxAttempts = maxRetries + 1"
            + " (the same name in every provider)",
        s.source());
    return s.integer("maxRetries", 2, 0, 10) + 1;
  }
}
