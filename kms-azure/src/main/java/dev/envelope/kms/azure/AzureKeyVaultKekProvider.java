package dev.envelope.kms.azure;

import dev.envelope.core.spi.Kek;
import dev.envelope.core.spi.KekProvider;
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

  @Override
  public String toString() {
    return "AzureKeyVaultKekProvider[" + SCHEME + "]";
  }
}
