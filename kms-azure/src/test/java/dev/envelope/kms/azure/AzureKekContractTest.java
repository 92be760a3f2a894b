package dev.envelope.kms.azure;

import dev.envelope.core.spi.Kek;
import dev.envelope.core.spi.KekProvider;
import dev.envelope.core.spi.ProviderSettings;
import dev.envelope.testing.KekContract;
import dev.envelope.testing.LoopbackServer;
import dev.envelope.testing.SelfSignedTls;
import dev.envelope.testing.azure.FakeEntraId;
import dev.envelope.testing.azure.FakeKeyVault;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;

/**
 * The KEK contract for {@code azure-kv://} against the HTTPS loopback Entra ID and Key Vault, with
 * the workload identity's federated token: a Key Vault RSA key (RSA-OAEP-256 locally, unwrapKey in
 * the vault) and a Managed HSM AES key (wrapKey/unwrapKey A256KW). Neither takes associated data.
 */
class AzureKekContractTest {
  private static final String TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
  private static final String CLIENT = "5c3b1a9e-0000-4a1b-9d2e-contract0001";
  private static final String VAULT = "contract.vault.azure.net";
  private static final String HSM = "contract.managedhsm.azure.net";

  private static FakeEntraId entra;
  private static FakeKeyVault vault;
  private static FakeKeyVault hsm;
  private static Path tokenFile;

  @BeforeAll
  static void start() throws Exception {
    SelfSignedTls tls = SelfSignedTls.create();
    tls.installAsDefault();
    entra = new FakeEntraId(tls, TENANT);
    vault = new FakeKeyVault(tls, entra, VAULT);
    hsm = new FakeKeyVault(tls, entra, HSM);
    tokenFile = Files.createTempFile("azure-contract-token", "");
    Files.writeString(tokenFile, "eyJhbGciOiJSUzI1NiJ9.workload-identity.sig");
    entra.trustFederatedToken(CLIENT, tokenFile);
  }

  @AfterAll
  static void stop() throws Exception {
    vault.close();
    hsm.close();
    entra.close();
    Files.deleteIfExists(tokenFile);
  }

  private static KekProvider provider() {
    return new AzureKeyVaultKekProvider(name -> null);
  }

  private static Map<String, String> settings(String endpoint) {
    Map<String, String> s = new HashMap<>();
    s.put("credentials", "workload-identity");
    s.put("tenantId", TENANT);
    s.put("clientId", CLIENT);
    s.put("tokenFile", tokenFile.toString());
    s.put("authorityHost", entra.authorityHost().toString());
    s.put(ProviderSettings.ENDPOINT, endpoint);
    s.put("verifyChallengeResource", "false"); // the fakes answer on 127.0.0.1
    s.put(ProviderSettings.ATTEMPT_TIMEOUT, "PT3S");
    return s;
  }

  private static Callable<Kek> unreachable(String uri) {
    return () -> {
      int port = LoopbackServer.unusedPort();
      Map<String, String> s = settings("https://127.0.0.1:" + port);
      s.put(ProviderSettings.MAX_ATTEMPTS, "1");
      return provider().open(uri, new ProviderSettings("contract", "azure-kv", s));
    };
  }

  /** What both Azure key kinds share: the provider, the settings of one endpoint, none of AD. */
  private abstract static class AzureContract extends KekContract {
    private final FakeKeyVault target;
    private final String uri;

    AzureContract(FakeKeyVault target, String host, String key) {
      this.target = target;
      this.uri = "azure-kv://" + host + "/keys/" + key;
    }

    @Override
    protected KekProvider provider() {
      return AzureKekContractTest.provider();
    }

    @Override
    protected String kekUri() {
      return uri;
    }

    @Override
    protected Map<String, String> settings() {
      return AzureKekContractTest.settings(target.endpoint().toString());
    }

    @Override
    protected boolean bindsLogicalKey() {
      return false; // Key Vault takes no associated data (FORMAT.md §5.8)
    }

    @Override
    protected Callable<Kek> unreachable() {
      return AzureKekContractTest.unreachable(uri);
    }
  }

  @Nested
  class KeyVaultRsaKey extends AzureContract {
    KeyVaultRsaKey() {
      super(vault, VAULT, "rsa-contract");
      vault.createRsaKey("rsa-contract");
    }
  }

  @Nested
  class ManagedHsmAesKey extends AzureContract {
    ManagedHsmAesKey() {
      super(hsm, HSM, "aes-contract");
      hsm.createAesKey("aes-contract");
    }
  }
}
