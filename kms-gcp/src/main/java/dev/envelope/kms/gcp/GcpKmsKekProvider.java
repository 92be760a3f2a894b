package dev.envelope.kms.gcp;

import com.google.api.gax.rpc.TransportChannelProvider;
import dev.envelope.core.spi.Kek;
import dev.envelope.core.spi.KekProvider;
import dev.envelope.core.spi.ProviderSettings;
import dev.envelope.core.spi.SharedClients;
import java.util.Set;
import java.util.function.Function;

/**
 * The {@code gcp-kms://} KEKs: Cloud KMS symmetric keys ({@code
 * gcp-kms://projects/P/locations/L/keyRings/R/cryptoKeys/K}) and asymmetric-decrypt RSA key
 * versions ({@code …/cryptoKeyVersions/N}).
 *
 * <p>Settings ({@code providers.gcp-kms} in the local config):
 *
 * <pre>{@code
 * providers:
 *   gcp-kms:
 *     credentials: external-account   # adc (default) | external-account | service-account
 *     credentialsFile: /etc/gcp/credential-configuration.json
 *     callTimeout: PT10S              # plus attemptTimeout, maxAttempts, endpoint
 * }</pre>
 *
 * <p>Found by {@link java.util.ServiceLoader} (module {@code envelope-kms-gcp}).
 */
public final class GcpKmsKekProvider implements KekProvider {
  /** The URI scheme served. */
  public static final String SCHEME = "gcp-kms";

  private final Function<GcpSettings, TransportChannelProvider> channels;
  private final SharedClients<GcpSettings, GcpClients> clients =
      new SharedClients<>(GcpClients::close);

  /** A provider connecting to Cloud KMS (or the configured endpoint). */
  public GcpKmsKekProvider() {
    this(null);
  }

  /** For tests: a provider using the given gRPC channels (an in-process server). */
  GcpKmsKekProvider(Function<GcpSettings, TransportChannelProvider> channels) {
    this.channels = channels;
  }

  @Override
  public Set<String> schemes() {
    return Set.of(SCHEME);
  }

  @Override
  public void validate(String uri) {
    GcpKeyName.parse(uri);
  }

  @Override
  public Kek open(String uri, ProviderSettings settings) {
    GcpKeyName key = GcpKeyName.parse(uri);
    GcpSettings config = GcpSettings.from(settings);
    return clients.open(
        config,
        () -> new GcpClients(config, channels),
        (shared, release) ->
            key.version()
                ? AsymmetricGcpKek.open(key, shared.client(), release)
                : new SymmetricGcpKek(key, shared.client(), release));
  }

  @Override
  public String toString() {
    return "GcpKmsKekProvider[" + SCHEME + "]";
  }
}
