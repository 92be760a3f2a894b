package dev.envelope.kms.gcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.api.gax.core.FixedCredentialsProvider;
import com.google.api.gax.retrying.RetrySettings;
import com.google.api.gax.rpc.StatusCode;
import com.google.api.gax.rpc.TransportChannelProvider;
import com.google.api.gax.rpc.UnaryCallSettings;
import com.google.auth.oauth2.ExternalAccountCredentials;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.auth.oauth2.ServiceAccountCredentials;
import com.google.cloud.kms.v1.KeyManagementServiceClient;
import com.google.cloud.kms.v1.KeyManagementServiceSettings;
import dev.envelope.core.KeyUnavailableException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Cloud KMS client of one local config: credentials, deadlines and retries, reused by every KEK
 * of that configuration and closed with the last of them.
 */
final class GcpClients {
  private static final Logger LOG = LoggerFactory.getLogger(GcpClients.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_CREDENTIALS_BYTES = 64 * 1024;

  /** Worth retrying within the deadline: the service is briefly unavailable or rate-limiting. */
  private static final java.util.Set<StatusCode.Code> RETRYABLE =
      java.util.Set.of(StatusCode.Code.UNAVAILABLE, StatusCode.Code.RESOURCE_EXHAUSTED);

  private final KeyManagementServiceClient client;
  private final GoogleCredentials credentials;
  private final GcpIdentity identity;
  private final String endpoint;

  /**
   * @param channels for tests: the gRPC channel to use instead of the endpoint's (null in
   *     production)
   */
  GcpClients(GcpSettings settings, Function<GcpSettings, TransportChannelProvider> channels) {
    this.credentials = credentials(settings);
    this.identity = GcpIdentity.of(settings);
    this.endpoint = settings.endpoint().orElse(KeyManagementServiceSettings.getDefaultEndpoint());
    try {
      KeyManagementServiceSettings.Builder b =
          KeyManagementServiceSettings.newBuilder()
              .setCredentialsProvider(FixedCredentialsProvider.create(credentials));
      settings.endpoint().ifPresent(b::setEndpoint);
      if (channels != null) {
        b.setTransportChannelProvider(channels.apply(settings));
      }
      RetrySettings retry =
          RetrySettings.newBuilder()
              .setTotalTimeoutDuration(settings.callTimeout())
              .setInitialRpcTimeoutDuration(settings.attemptTimeout())
              .setMaxRpcTimeoutDuration(settings.attemptTimeout())
              .setRpcTimeoutMultiplier(1.0)
              .setInitialRetryDelayDuration(Duration.ofMillis(100))
              .setMaxRetryDelayDuration(Duration.ofSeconds(2))
              .setRetryDelayMultiplier(2.0)
              .setMaxAttempts(settings.maxAttempts())
              .build();
      for (UnaryCallSettings.Builder<?, ?> call :
          List.of(
              b.encryptSettings(),
              b.decryptSettings(),
              b.getPublicKeySettings(),
              b.asymmetricDecryptSettings())) {
        call.setRetrySettings(retry).setRetryableCodes(RETRYABLE);
      }
      this.client = KeyManagementServiceClient.create(b.build());
    } catch (IOException e) {
      throw new KeyUnavailableException(
          "gcp-kms: cannot create the Cloud KMS client: " + e.getClass().getSimpleName(), true, e);
    }
  }

  private static GoogleCredentials credentials(GcpSettings settings) {
    try {
      switch (settings.credentials()) {
        case "external-account" -> {
          byte[] json = read(settings.credentialsFile().orElseThrow());
          JsonNode node = JSON.readTree(json);
          // Only an external_account document: never a key file that happens to sit there.
          if (!"external_account".equals(node.path("type").asText())) {
            throw new KeyUnavailableException(
                "gcp-kms: "
                    + settings.credentialsFile().get()
                    + " is not an external_account credential configuration (type is '"
                    + node.path("type").asText()
                    + "')",
                false);
          }
          return ExternalAccountCredentials.fromStream(new ByteArrayInputStream(json))
              .createScoped("https://www.googleapis.com/auth/cloud-platform");
        }
        case "service-account" -> {
          LOG.warn(
              "gcp-kms uses a service-account key file (providers.gcp-kms.credentials:"
                  + " service-account): a long-lived secret; prefer workload identity");
          return ServiceAccountCredentials.fromStream(
                  new ByteArrayInputStream(read(settings.credentialsFile().orElseThrow())))
              .createScoped("https://www.googleapis.com/auth/cloud-platform");
        }
        default -> {
          return GoogleCredentials.getApplicationDefault()
              .createScoped("https://www.googleapis.com/auth/cloud-platform");
        }
      }
    } catch (IOException | IllegalArgumentException e) {
      throw new KeyUnavailableException(
          "gcp-kms: cannot load "
              + settings.credentials()
              + " credentials: "
              + e.getClass().getSimpleName()
              + ": "
              + e.getMessage(),
          false,
          e);
    }
  }

  private static byte[] read(String file) throws IOException {
    Path path = Path.of(file);
    if (Files.size(path) > MAX_CREDENTIALS_BYTES) {
      throw new IOException(file + " is too large for a credential configuration");
    }
    return Files.readAllBytes(path);
  }

  KeyManagementServiceClient client() {
    return client;
  }

  GcpIdentity identity() {
    return identity;
  }

  String endpoint() {
    return endpoint;
  }

  /**
   * Confirms the credentials by obtaining an access token (the token exchange with Google's STS for
   * workload identity federation). The token is not kept here.
   *
   * @throws IOException if no token could be had
   */
  void confirm() throws IOException {
    credentials.refresh();
  }

  void close() {
    client.close();
  }
}
