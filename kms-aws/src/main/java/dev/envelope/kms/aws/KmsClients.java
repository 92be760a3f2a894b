package dev.envelope.kms.aws;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.KmsClientBuilder;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * The AWS clients of one local-config: one HTTP client, one credentials provider, one KMS client
 * per region, reused by every KEK of that configuration and closed with the last of them.
 */
final class KmsClients {
  private final AwsSettings settings;
  private final SdkHttpClient http;
  private final AwsCredentialsFactory.Credentials credentials;
  private final ConcurrentHashMap<String, KmsClient> byRegion = new ConcurrentHashMap<>();
  private final AwsCredentialsFactory.Identity identity;
  private final String stsRegion;

  KmsClients(AwsSettings settings, UnaryOperator<String> environment, String defaultRegion) {
    this.settings = settings;
    this.identity = AwsCredentialsFactory.identity(settings, environment);
    this.stsRegion = defaultRegion;
    this.http =
        UrlConnectionHttpClient.builder()
            .connectionTimeout(settings.connectTimeout())
            .socketTimeout(settings.attemptTimeout())
            .build();
    try {
      this.credentials = AwsCredentialsFactory.create(settings, environment, http, defaultRegion);
    } catch (RuntimeException e) {
      http.close();
      throw e;
    }
  }

  /** The KMS client of {@code region}, created on first use. */
  KmsClient kms(String region) {
    return byRegion.computeIfAbsent(
        region,
        r -> {
          KmsClientBuilder builder =
              KmsClient.builder()
                  .region(Region.of(r))
                  .httpClient(http)
                  .credentialsProvider(credentials.provider())
                  .overrideConfiguration(
                      c ->
                          c.apiCallTimeout(settings.callTimeout())
                              .apiCallAttemptTimeout(settings.attemptTimeout())
                              // Standard mode: exponential backoff with jitter, throttling and 5xx
                              // retried.
                              .retryStrategy(b -> b.maxAttempts(settings.maxAttempts())));
          settings.endpoint().ifPresent(builder::endpointOverride);
          return builder.build();
        });
  }

  /** The configured identity, for audit events. */
  AwsCredentialsFactory.Identity identity() {
    return identity;
  }

  /**
   * Who the credentials really are: STS {@code GetCallerIdentity} signed with them (a call every
   * principal may make, no permission needed). A short-lived client, for the doctor only.
   *
   * @throws SdkException if STS refuses the credentials or cannot be reached
   */
  String callerArn() {
    var builder =
        StsClient.builder()
            .httpClient(http)
            .region(Region.of(stsRegion))
            .credentialsProvider(credentials.provider())
            .overrideConfiguration(
                c ->
                    c.apiCallTimeout(settings.callTimeout())
                        .apiCallAttemptTimeout(settings.attemptTimeout()));
    settings.stsEndpoint().ifPresent(builder::endpointOverride);
    try (StsClient sts = builder.build()) {
      return sts.getCallerIdentity().arn();
    }
  }

  /** The endpoint KMS calls in {@code region} go to. */
  String endpoint(String region) {
    return settings
        .endpoint()
        .map(Object::toString)
        .orElse("https://kms." + region + ".amazonaws.com");
  }

  void close() {
    byRegion.values().forEach(KmsClient::close);
    byRegion.clear();
    credentials.resources().forEach(SdkAutoCloseable::close);
    http.close();
  }
}
