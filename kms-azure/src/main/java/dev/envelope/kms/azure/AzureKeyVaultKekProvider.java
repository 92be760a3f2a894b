package dev.envelope.kms.azure;

import com.azure.security.keyvault.keys.KeyClient;
import com.azure.security.keyvault.keys.models.KeyProperties;
import com.azure.security.keyvault.keys.models.KeyVaultKey;
import dev.envelope.core.spi.Kek;
import dev.envelope.core.spi.KekDescription;
import dev.envelope.core.spi.KekProvider;
import dev.envelope.core.spi.KmsCall;
import dev.envelope.core.spi.ProviderSettings;
import dev.envelope.core.spi.SharedClients;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The {@code azure-kv://} KEKs: Azure Key Vault RSA keys and Managed HSM AES keys, named {@code
 * azure-kv://VAULT.vault.azure.net/keys/NAME[/VERSION]} (or a {@code .managedhsm.azure.net} host).
 *
 * <p>Settings ({@code providers.azure-kv} in the local config):
 *
 * <pre>{@code
 * providers:
 *   azure-kv:
 *     credentials: workload-identity   # default | workload-identity | managed-identity | client-secret
 *     # tenantId / clientId / tokenFile / authorityHost default to the AZURE_* variables AKS injects
 *     attemptTimeout: PT5S             # plus connectTimeout, maxAttempts
 * }</pre>
 *
 * <p>Opening a KEK reads the key once (type, state, current version, RSA public key). Clients and
 * the credential are shared by the KEKs of one configuration. Found by {@link
 * java.util.ServiceLoader} (module {@code envelope-kms-azure}).
 */
public final class AzureKeyVaultKekProvider implements KekProvider {
  /** The URI scheme served. */
  public static final String SCHEME = "azure-kv";

  private final UnaryOperator<String> environment;
  private final SharedClients<AzureSettings, AzureClients> clients =
      new SharedClients<>(AzureClients::close);

  /** A provider reading the {@code AZURE_*} variables from the process environment. */
  public AzureKeyVaultKekProvider() {
    this(System::getenv);
  }

  /** For tests: a provider with a given environment. */
  AzureKeyVaultKekProvider(UnaryOperator<String> environment) {
    this.environment = environment;
  }

  @Override
  public Set<String> schemes() {
    return Set.of(SCHEME);
  }

  @Override
  public void validate(String uri) {
    KeyVaultKeyUri.parse(uri);
  }

  @Override
  public Kek open(String uri, ProviderSettings settings) {
    KeyVaultKeyUri key = KeyVaultKeyUri.parse(uri);
    AzureSettings config = AzureSettings.from(settings);
    return clients.open(
        config,
        () -> new AzureClients(config, environment),
        (shared, release) -> KeyVaultKek.open(key, shared, release));
  }

  /**
   * Who this cluster calls Key Vault as (client id and tenant; confirmed by getting a token from
   * Entra ID), the vault, and the key version's state and type: works for a disabled key, which
   * {@link #open} refuses.
   */
  @Override
  public KekDescription describe(String uri, ProviderSettings settings) {
    KeyVaultKeyUri key;
    AzureSettings config;
    try {
      key = KeyVaultKeyUri.parse(uri);
      config = AzureSettings.from(settings);
    } catch (RuntimeException e) {
      return KekDescription.unknown("invalid URI or settings: " + e.getMessage());
    }
    AzureIdentity identity = AzureIdentity.of(config, environment);
    KekDescription.Builder d = KekDescription.builder(identity.principal(), identity.source());
    SharedClients.Lease<AzureClients> lease;
    try {
      lease = clients.acquire(config, () -> new AzureClients(config, environment));
    } catch (RuntimeException e) {
      return d.problem("cannot build the Azure clients: " + e.getMessage()).build();
    }
    try {
      AzureClients shared = lease.clients();
      d.endpoint(shared.base(key));
      try {
        shared.confirm();
        d.confirmed(null);
      } catch (RuntimeException e) {
        d.problem(
            "no Key Vault token from Entra ID: "
                + e.getClass().getSimpleName()
                + ": "
                + KmsCall.shorten(e.getMessage()));
      }
      try {
        KeyClient keys = shared.keys(key);
        KeyVaultKey found =
            key.version()
                .map(v -> keys.getKey(key.name(), v))
                .orElseGet(() -> keys.getKey(key.name()));
        KeyProperties p = found.getProperties();
        boolean enabled = Boolean.TRUE.equals(p.isEnabled());
        boolean expired =
            p.getExpiresOn() != null
                && p.getExpiresOn().toInstant().isBefore(java.time.Instant.now());
        d.keyState(
                enabled && !expired
                    ? KekDescription.KeyState.ENABLED
                    : KekDescription.KeyState.DISABLED)
            .keySpec(
                found.getKeyType()
                    + (found.getKey().getN() != null
                        ? " " + (found.getKey().getN().length * 8)
                        : ""))
            .detail("version", p.getVersion())
            .detail("enabled", String.valueOf(enabled))
            .detail("operations", String.valueOf(found.getKeyOperations()))
            .detail("recoveryLevel", p.getRecoveryLevel() == null ? null : p.getRecoveryLevel());
        if (p.getExpiresOn() != null) {
          d.detail("expires", p.getExpiresOn().toInstant().toString());
        }
      } catch (RuntimeException e) {
        d.problem(
            KeyVaultErrors.map(KmsCall.lookup(KeyVaultErrors.SERVICE, uri, "get key"), e)
                .getMessage());
      }
    } finally {
      lease.release();
    }
    return d.build();
  }

  @Override
  public String toString() {
    return "AzureKeyVaultKekProvider[" + SCHEME + "]";
  }
}
