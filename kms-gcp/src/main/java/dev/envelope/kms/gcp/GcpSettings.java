package dev.envelope.kms.gcp;

import dev.envelope.core.spi.ProviderSettings;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * This cluster's {@code providers.gcp-kms} settings: the credentials, the endpoint, deadlines and
 * retries.
 *
 * @param credentials {@code adc} (Application Default Credentials: GKE Workload Identity through
 *     the metadata server, or {@code GOOGLE_APPLICATION_CREDENTIALS}), {@code external-account}
 *     (workload identity federation: an {@code external_account} JSON) or {@code service-account}
 *     (a key file: explicit only, with a warning)
 * @param credentialsFile the JSON for {@code external-account} or {@code service-account}
 * @param endpoint {@code host:port} override (Private Service Connect, regional endpoints)
 * @param callTimeout the total deadline of a call, retries included; formerly {@code deadline}
 * @param attemptTimeout the deadline of one attempt
 * @param maxAttempts attempts per call (1 = no retry)
 */
record GcpSettings(
    String credentials,
    Optional<String> credentialsFile,
    Optional<String> endpoint,
    Duration callTimeout,
    Duration attemptTimeout,
    int maxAttempts) {
  static final Set<String> MODES = Set.of("adc", "external-account", "service-account");

  static GcpSettings from(ProviderSettings settings) {
    ProviderSettings s = settings.renamed("deadline", ProviderSettings.CALL_TIMEOUT);
    s.allowOnly(
        Set.of(
            "credentials",
            "credentialsFile",
            ProviderSettings.ENDPOINT,
            ProviderSettings.CALL_TIMEOUT,
            ProviderSettings.ATTEMPT_TIMEOUT,
            ProviderSettings.MAX_ATTEMPTS));
    String mode = s.get("credentials").orElse("adc");
    if (!MODES.contains(mode)) {
      throw s.invalid(
          "credentials", "one of adc, external-account, service-account; got '" + mode + "'");
    }
    Optional<String> file = s.get("credentialsFile");
    if (!mode.equals("adc") && file.isEmpty()) {
      throw s.invalid("credentialsFile", "required for credentials: " + mode);
    }
    Optional<String> endpoint = s.get("endpoint");
    if (endpoint.isPresent() && !endpoint.get().matches("[A-Za-z0-9.-]+:[0-9]{1,5}")) {
      throw s.invalid("endpoint", "must be host:port, e.g. cloudkms.googleapis.com:443");
    }
    Duration max = Duration.ofMinutes(5);
    Duration callTimeout = s.duration(ProviderSettings.CALL_TIMEOUT, Duration.ofSeconds(10), max);
    Duration attempt = s.duration("attemptTimeout", Duration.ofSeconds(5), max);
    if (callTimeout.compareTo(attempt) < 0) {
      throw s.invalid(
          ProviderSettings.CALL_TIMEOUT,
          "must not be shorter than attemptTimeout (" + attempt + ")");
    }
    return new GcpSettings(
        mode,
        file,
        endpoint,
        callTimeout,
        attempt,
        s.integer(ProviderSettings.MAX_ATTEMPTS, 3, 1, 10));
  }
}
