package dev.envelope.kms.azure;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.http.policy.ExponentialBackoffOptions;
import com.azure.core.http.policy.RetryOptions;
import com.azure.identity.ClientSecretCredentialBuilder;
import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.identity.ManagedIdentityCredentialBuilder;
import com.azure.identity.WorkloadIdentityCredentialBuilder;
import com.azure.security.keyvault.keys.KeyClient;
import com.azure.security.keyvault.keys.KeyClientBuilder;
import com.azure.security.keyvault.keys.cryptography.CryptographyClient;
import com.azure.security.keyvault.keys.cryptography.CryptographyClientBuilder;
import dev.envelope.core.KeyUnavailableException;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Azure clients of one local config: one JDK HTTP client, one credential (which caches its
 * tokens), one {@link KeyClient} per vault and one {@link CryptographyClient} per key version, all
 * reused and shared by the KEKs of that configuration.
 */
final class AzureClients {
  private static final Logger LOG = LoggerFactory.getLogger(AzureClients.class);

  private final AzureSettings settings;
  private final HttpClient http;
  private final TokenCredential credential;
  private final RetryOptions retry;
  private final ConcurrentHashMap<String, KeyClient> keyClients = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, CryptographyClient> cryptoClients =
      new ConcurrentHashMap<>();

  private final AzureIdentity identity;

  AzureClients(AzureSettings settings, UnaryOperator<String> environment) {
    this.settings = settings;
    this.identity = AzureIdentity.of(settings, environment);
    this.http =
        new JdkHttpClientBuilder()
            .connectionTimeout(settings.connectTimeout())
            .responseTimeout(settings.attemptTimeout())
            .build();
    this.retry =
        new RetryOptions(
            new ExponentialBackoffOptions()
                .setMaxRetries(settings.maxAttempts() - 1)
                .setBaseDelay(Duration.ofMillis(200))
                .setMaxDelay(Duration.ofSeconds(5)));
    this.credential = credential(settings, environment);
  }

  private TokenCredential credential(AzureSettings s, UnaryOperator<String> env) {
    String tenant = s.tenantId().orElseGet(() -> env.apply("AZURE_TENANT_ID"));
    String client = s.clientId().orElseGet(() -> env.apply("AZURE_CLIENT_ID"));
    String authority = s.authorityHost().orElseGet(() -> env.apply("AZURE_AUTHORITY_HOST"));
    switch (s.credentials()) {
      case "workload-identity" -> {
        String tokenFile = s.tokenFile().orElseGet(() -> env.apply("AZURE_FEDERATED_TOKEN_FILE"));
        if (tenant == null || client == null || tokenFile == null) {
          throw new KeyUnavailableException(
              "azure-kv workload-identity credentials need tenantId,"
                  + " clientId and tokenFile (or AZURE_TENANT_ID, AZURE_CLIENT_ID and"
                  + " AZURE_FEDERATED_TOKEN_FILE, which AKS injects into pods labelled"
                  + " azure.workload.identity/use: \"true\")",
              false);
        }
        WorkloadIdentityCredentialBuilder b =
            new WorkloadIdentityCredentialBuilder()
                .tenantId(tenant)
                .clientId(client)
                .tokenFilePath(tokenFile)
                .httpClient(http)
                .retryOptions(retry);
        if (authority != null) {
          // A sovereign or private authority: no instance discovery against the public cloud.
          b.authorityHost(authority).disableInstanceDiscovery();
        }
        return b.build();
      }
      case "managed-identity" -> {
        ManagedIdentityCredentialBuilder b =
            new ManagedIdentityCredentialBuilder().httpClient(http);
        if (client != null) {
          b.clientId(client);
        }
        return b.build();
      }
      case "client-secret" -> {
        String secret = env.apply("AZURE_CLIENT_SECRET");
        if (tenant == null || client == null || secret == null) {
          throw new KeyUnavailableException(
              "azure-kv client-secret credentials need tenantId,"
                  + " clientId and AZURE_CLIENT_SECRET in the environment",
              false);
        }
        LOG.warn(
            "azure-kv uses a client secret (providers.azure-kv.credentials: client-secret): a"
                + " long-lived secret; prefer workload-identity in AKS");
        ClientSecretCredentialBuilder b =
            new ClientSecretCredentialBuilder()
                .tenantId(tenant)
                .clientId(client)
                .clientSecret(secret)
                .httpClient(http);
        if (authority != null) {
          b.authorityHost(authority).disableInstanceDiscovery();
        }
        return b.build();
      }
      default -> {
        DefaultAzureCredentialBuilder b = new DefaultAzureCredentialBuilder().httpClient(http);
        if (authority != null) {
          b.authorityHost(authority);
        }
        return b.build();
      }
    }
  }

  /** Where requests for {@code uri}'s vault go: the override, or the vault itself. */
  String base(KeyVaultKeyUri uri) {
    return settings
        .endpoint()
        .map(e -> e.toString().replaceAll("/+$", ""))
        .orElse("https://" + uri.host());
  }

  KeyClient keys(KeyVaultKeyUri uri) {
    return keyClients.computeIfAbsent(
        base(uri),
        url -> {
          KeyClientBuilder b =
              new KeyClientBuilder()
                  .vaultUrl(url)
                  .credential(credential)
                  .httpClient(http)
                  .retryOptions(retry);
          if (!settings.verifyChallengeResource()) {
            b.disableChallengeResourceVerification();
          }
          return b.buildClient();
        });
  }

  /** The client for one key version (remote operations only: keys are fetched by {@link #keys}). */
  CryptographyClient crypto(KeyVaultKeyUri uri, String version) {
    String keyId = base(uri) + "/keys/" + uri.name() + "/" + version;
    return cryptoClients.computeIfAbsent(
        keyId,
        id -> {
          CryptographyClientBuilder b =
              new CryptographyClientBuilder()
                  .keyIdentifier(id)
                  .credential(credential)
                  .httpClient(http)
                  .retryOptions(retry)
                  .addPolicy(new RequestIdRecorder());
          if (!settings.verifyChallengeResource()) {
            b.disableChallengeResourceVerification();
          }
          return b.buildClient();
        });
  }

  AzureIdentity identity() {
    return identity;
  }

  /**
   * Confirms the credential by getting a Key Vault token from Entra ID (the federated token
   * exchange for workload identity); the token is not kept here.
   *
   * @throws RuntimeException as the Azure SDK reports a failed authentication
   */
  void confirm() {
    credential.getTokenSync(
        new com.azure.core.credential.TokenRequestContext()
            .addScopes("https://vault.azure.net/.default"));
  }

  void close() {
    keyClients.clear();
    cryptoClients.clear();
  }
}
