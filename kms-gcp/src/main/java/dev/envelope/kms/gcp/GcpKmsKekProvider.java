package dev.envelope.kms.gcp;

import com.google.api.gax.rpc.TransportChannelProvider;
import com.google.cloud.kms.v1.CryptoKey;
import com.google.cloud.kms.v1.CryptoKeyVersion;
import dev.envelope.core.spi.Kek;
import dev.envelope.core.spi.KekDescription;
import dev.envelope.core.spi.KekProvider;
import dev.envelope.core.spi.KmsCall;
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
                ? AsymmetricGcpKek.open(
                    key, shared.client(), shared.identity().principal(), release)
                : new SymmetricGcpKek(
                    key, shared.client(), shared.identity().principal(), release));
  }

  /**
   * Who this cluster calls Cloud KMS as (from the credential configuration; confirmed by obtaining
   * an access token), the endpoint and location, and the state and algorithm of the key's primary
   * version (symmetric) or of the version named (asymmetric).
   */
  @Override
  public KekDescription describe(String uri, ProviderSettings settings) {
    GcpKeyName key;
    GcpSettings config;
    try {
      key = GcpKeyName.parse(uri);
      config = GcpSettings.from(settings);
    } catch (RuntimeException e) {
      return KekDescription.unknown("invalid URI or settings: " + e.getMessage());
    }
    GcpIdentity identity = GcpIdentity.of(config);
    String location = key.resource().split("/")[3];
    KekDescription.Builder d =
        KekDescription.builder(identity.principal(), identity.source()).region(location);
    SharedClients.Lease<GcpClients> lease;
    try {
      lease = clients.acquire(config, () -> new GcpClients(config, channels));
    } catch (RuntimeException e) {
      return d.problem("cannot build the Cloud KMS client: " + e.getMessage()).build();
    }
    try {
      GcpClients shared = lease.clients();
      d.endpoint(shared.endpoint());
      try {
        shared.confirm();
        d.confirmed(null);
      } catch (java.io.IOException | RuntimeException e) {
        d.problem(
            "no access token could be obtained: "
                + e.getClass().getSimpleName()
                + ": "
                + dev.envelope.core.spi.KmsCall.shorten(e.getMessage()));
      }
      try {
        CryptoKeyVersion version;
        if (key.version()) {
          version = shared.client().getCryptoKeyVersion(key.resource());
        } else {
          CryptoKey crypto = shared.client().getCryptoKey(key.resource());
          d.detail("purpose", crypto.getPurpose().name());
          version = crypto.hasPrimary() ? crypto.getPrimary() : null;
          if (version == null) {
            d.problem("the key has no primary version");
          }
        }
        if (version != null) {
          d.keyState(state(version.getState()))
              .keySpec(version.getAlgorithm().name())
              .detail("version", version.getName())
              .detail("versionState", version.getState().name())
              .detail("protectionLevel", version.getProtectionLevel().name());
        }
      } catch (RuntimeException e) {
        d.problem(
            GcpErrors.map(KmsCall.lookup(GcpErrors.SERVICE, uri, "GetCryptoKey"), e).getMessage());
      }
    } finally {
      lease.release();
    }
    return d.build();
  }

  private static KekDescription.KeyState state(CryptoKeyVersion.CryptoKeyVersionState state) {
    return switch (state) {
      case ENABLED -> KekDescription.KeyState.ENABLED;
      case DISABLED -> KekDescription.KeyState.DISABLED;
      case DESTROY_SCHEDULED -> KekDescription.KeyState.PENDING_DELETION;
      case DESTROYED -> KekDescription.KeyState.DESTROYED;
      default -> KekDescription.KeyState.UNKNOWN;
    };
  }

  @Override
  public String toString() {
    return "GcpKmsKekProvider[" + SCHEME + "]";
  }
}
