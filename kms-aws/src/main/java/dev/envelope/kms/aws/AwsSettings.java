package dev.envelope.kms.aws;

import dev.envelope.core.spi.ProviderSettings;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * This cluster's {@code providers.aws-kms} settings: how it gets credentials, its region, and the
 * client's timeouts and retries. Never key material and never a secret: static keys, when
 * explicitly chosen, come from the standard environment variables.
 *
 * @param credentials {@code default}, {@code web-identity}, {@code pod-identity} or {@code static}
 * @param roleArn web identity: the role to assume (default: {@code AWS_ROLE_ARN})
 * @param webIdentityTokenFile web identity: the projected token (default: {@code
 *     AWS_WEB_IDENTITY_TOKEN_FILE})
 * @param roleSessionName the STS session name (default {@code envelope})
 * @param assumeRoleArn a role assumed on top of the base credentials (cross-account KEKs)
 * @param externalId the external id for {@code assumeRoleArn}, if its trust policy wants one
 * @param region this cluster's region: Multi-Region keys are called through their replica here
 * @param endpoint a KMS endpoint override (VPC endpoint, FIPS, tests); the setting was once named
 *     kmsEndpoint
 * @param stsEndpoint an STS endpoint override
 * @param connectTimeout TCP connect timeout per attempt
 * @param attemptTimeout deadline of one HTTP attempt
 * @param callTimeout deadline of a call with all its retries
 * @param maxAttempts attempts per call (1 = no retry), with the SDK's standard backoff
 */
record AwsSettings(
    String credentials,
    Optional<String> roleArn,
    Optional<String> webIdentityTokenFile,
    String roleSessionName,
    Optional<String> assumeRoleArn,
    Optional<String> externalId,
    Optional<String> region,
    Optional<URI> endpoint,
    Optional<URI> stsEndpoint,
    Duration connectTimeout,
    Duration attemptTimeout,
    Duration callTimeout,
    int maxAttempts) {
  static final Set<String> MODES = Set.of("default", "web-identity", "pod-identity", "static");

  static AwsSettings from(ProviderSettings settings) {
    ProviderSettings s = settings.renamed("kmsEndpoint", ProviderSettings.ENDPOINT);
    s.allowOnly(
        Set.of(
            "credentials",
            "roleArn",
            "webIdentityTokenFile",
            "roleSessionName",
            "assumeRoleArn",
            "externalId",
            "region",
            ProviderSettings.ENDPOINT,
            "stsEndpoint",
            ProviderSettings.CONNECT_TIMEOUT,
            ProviderSettings.ATTEMPT_TIMEOUT,
            ProviderSettings.CALL_TIMEOUT,
            ProviderSettings.MAX_ATTEMPTS));
    String mode = s.get("credentials").orElse("default");
    if (!MODES.contains(mode)) {
      throw s.invalid(
          "credentials", "one of default, web-identity, pod-identity, static; got '" + mode + "'");
    }
    Duration max = Duration.ofMinutes(5);
    Duration connect = s.duration("connectTimeout", Duration.ofSeconds(2), max);
    Duration attempt = s.duration("attemptTimeout", Duration.ofSeconds(3), max);
    Duration call = s.duration("callTimeout", Duration.ofSeconds(10), max);
    if (call.compareTo(attempt) < 0) {
      throw s.invalid("callTimeout", "must not be shorter than attemptTimeout (" + attempt + ")");
    }
    return new AwsSettings(
        mode,
        s.get("roleArn"),
        s.get("webIdentityTokenFile"),
        s.get("roleSessionName").orElse("envelope"),
        s.get("assumeRoleArn"),
        s.get("externalId"),
        s.get("region"),
        endpoint(s, ProviderSettings.ENDPOINT),
        endpoint(s, "stsEndpoint"),
        connect,
        attempt,
        call,
        s.integer("maxAttempts", 3, 1, 10));
  }

  private static Optional<URI> endpoint(ProviderSettings s, String key) {
    Optional<String> value = s.get(key);
    if (value.isEmpty()) {
      return Optional.empty();
    }
    try {
      URI uri = new URI(value.get());
      if (uri.getScheme() == null
          || uri.getHost() == null
          || !(uri.getScheme().equals("https") || uri.getScheme().equals("http"))) {
        throw s.invalid(key, "must be an http(s) URL such as https://kms.eu-west-2.amazonaws.com");
      }
      return Optional.of(uri);
    } catch (URISyntaxException e) {
      throw s.invalid(key, "not a URL: " + value.get());
    }
  }
}
