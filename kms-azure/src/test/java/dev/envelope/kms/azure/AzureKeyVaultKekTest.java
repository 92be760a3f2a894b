package dev.envelope.kms.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.envelope.core.AuthenticationException;
import dev.envelope.core.Envelope;
import dev.envelope.core.InvalidPolicyException;
import dev.envelope.core.KeyPolicy;
import dev.envelope.core.KeyUnavailableException;
import dev.envelope.core.LocalConfig;
import dev.envelope.core.local.LocalKekProvider;
import dev.envelope.core.spi.Kek;
import dev.envelope.core.spi.ProviderSettings;
import dev.envelope.core.spi.SecretBytes;
import dev.envelope.core.spi.WrapAlgorithm;
import dev.envelope.core.spi.WrapContext;
import dev.envelope.testing.SelfSignedTls;
import dev.envelope.testing.azure.FakeEntraId;
import dev.envelope.testing.azure.FakeKeyVault;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code azure-kv://} KEKs with the real Azure SDK (Key Vault keys + identity, JDK HTTP client)
 * against loopback HTTPS fakes of Entra ID and Key Vault / Managed HSM.
 */
class AzureKeyVaultKekTest {
  private static final String TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
  private static final String CLIENT = "5c3b1a9e-0000-4a1b-9d2e-payments00001";
  private static final String VAULT = "payments.vault.azure.net";
  private static final String HSM = "payments.managedhsm.azure.net";
  private static final WrapContext PAYMENTS = new WrapContext("payments");

  private static FakeEntraId entra;
  private static FakeKeyVault vault;
  private static FakeKeyVault hsm;
  private static Path tokenFile;

  @TempDir Path dir;

  @BeforeAll
  static void start() throws Exception {
    SelfSignedTls tls = SelfSignedTls.create();
    tls.installAsDefault();
    entra = new FakeEntraId(tls, TENANT);
    vault = new FakeKeyVault(tls, entra, VAULT);
    hsm = new FakeKeyVault(tls, entra, HSM);
    tokenFile = Files.createTempFile("azure-identity-token", "");
    // What AKS projects into the pod: a service-account token for the federated credential.
    Files.writeString(tokenFile, "eyJhbGciOiJSUzI1NiJ9.workload-identity.sig");
    entra.trustFederatedToken(CLIENT, tokenFile);
  }

  @AfterAll
  static void stop() {
    vault.close();
    hsm.close();
    entra.close();
  }

  @BeforeEach
  void clear() {
    vault.clearFaults();
    vault.clearCalls();
    hsm.clearFaults();
    hsm.clearCalls();
  }

  private static Map<String, String> settings(FakeKeyVault target) {
    Map<String, String> s = new HashMap<>();
    s.put("credentials", "workload-identity");
    s.put("tenantId", TENANT);
    s.put("clientId", CLIENT);
    s.put("tokenFile", tokenFile.toString());
    s.put("authorityHost", entra.authorityHost().toString());
    s.put("endpoint", target.endpoint().toString());
    // The fake answers on 127.0.0.1, not under vault.azure.net.
    s.put("verifyChallengeResource", "false");
    s.put("attemptTimeout", "PT3S");
    return s;
  }

  private static Kek open(String uri, Map<String, String> settings) {
    return new AzureKeyVaultKekProvider(name -> null)
        .open(uri, new ProviderSettings("test", "azure-kv", settings));
  }

  private static SecretBytes randomDek() {
    byte[] dek = new byte[32];
    new SecureRandom().nextBytes(dek);
    return SecretBytes.adopt(dek);
  }

  @Test
  void rsaKeysWrapLocallyAndUnwrapInTheVaultWithTheWorkloadIdentityToken() {
    String version = vault.createRsaKey("rsa-local");
    try (Kek kek = open("azure-kv://" + VAULT + "/keys/rsa-local", settings(vault))) {
      assertThat(kek.algorithm()).isEqualTo(WrapAlgorithm.AZURE_RSA_OAEP_256);
      assertThat(kek.isAsymmetric()).isTrue();
      vault.clearCalls();
      SecretBytes dek = randomDek();
      byte[] wrapped = kek.wrap(dek, PAYMENTS);
      kek.wrap(randomDek(), PAYMENTS);
      assertThat(vault.calls()).as("no vault call per wrap").isEmpty();
      assertThat(new String(wrapped, 1, wrapped[0], StandardCharsets.US_ASCII)).isEqualTo(version);
      assertThat(wrapped).hasSize(1 + 32 + 384);

      assertThat(kek.unwrap(wrapped, PAYMENTS).toByteArray()).isEqualTo(dek.toByteArray());
      assertThat(vault.calls())
          .filteredOn(c -> c.path().endsWith("/unwrapkey") && c.status() == 200)
          .singleElement()
          .satisfies(c -> assertThat(c.clientId()).isEqualTo(CLIENT));
    }
    assertThat(entra.calls()).contains(CLIENT + " https://vault.azure.net/.default -> ok");
  }

  @Test
  void aVersionlessUriFollowsRotationAndOldEnvelopesStillOpen() {
    String v1 = vault.createRsaKey("rotating");
    String uri = "azure-kv://" + VAULT + "/keys/rotating";
    byte[] before;
    SecretBytes dek = randomDek();
    try (Kek kek = open(uri, settings(vault))) {
      before = kek.wrap(dek, PAYMENTS);
    }
    String v2 = vault.createRsaKey("rotating");
    try (Kek kek = open(uri, settings(vault))) {
      byte[] after = kek.wrap(randomDek(), PAYMENTS);
      assertThat(new String(after, 1, after[0], StandardCharsets.US_ASCII)).isEqualTo(v2);
      assertThat(kek.unwrap(before, PAYMENTS).toByteArray())
          .as("v1 still opens")
          .isEqualTo(dek.toByteArray());
      assertThat(vault.calls())
          .anySatisfy(c -> assertThat(c.path()).endsWith("/rotating/" + v1 + "/unwrapkey"));
    }
    // A URI pinned to v2 refuses what v1 wrapped.
    try (Kek pinned = open(uri + "/" + v2, settings(vault))) {
      assertThatThrownBy(() -> pinned.unwrap(before, PAYMENTS))
          .isInstanceOf(AuthenticationException.class)
          .hasMessageContaining(v1);
    }
  }

  @Test
  void managedHsmAesKeysWrapAndUnwrapInsideTheHsm() {
    String version = hsm.createAesKey("aes-kek");
    try (Kek kek = open("azure-kv://" + HSM + "/keys/aes-kek", settings(hsm))) {
      assertThat(kek.algorithm()).isEqualTo(WrapAlgorithm.AZURE_A256KW);
      SecretBytes dek = randomDek();
      byte[] wrapped = kek.wrap(dek, PAYMENTS);
      assertThat(wrapped).hasSize(1 + version.length() + 40);
      assertThat(hsm.calls()).anySatisfy(c -> assertThat(c.path()).endsWith("/wrapkey"));
      assertThat(kek.unwrap(wrapped, PAYMENTS).toByteArray()).isEqualTo(dek.toByteArray());
      byte[] tampered = wrapped.clone();
      tampered[tampered.length - 1] ^= 1;
      assertThatThrownBy(() -> kek.unwrap(tampered, PAYMENTS))
          .isInstanceOf(AuthenticationException.class)
          .hasMessageContaining("400");
    }
    assertThat(entra.calls()).contains(CLIENT + " https://managedhsm.azure.net/.default -> ok");
  }

  @Test
  void tamperedOrTruncatedWrapsAreAuthenticationErrors() {
    vault.createRsaKey("tamper");
    try (Kek kek = open("azure-kv://" + VAULT + "/keys/tamper", settings(vault))) {
      byte[] wrapped = kek.wrap(randomDek(), PAYMENTS);
      byte[] tampered = wrapped.clone();
      tampered[100] ^= 1;
      assertThatThrownBy(() -> kek.unwrap(tampered, PAYMENTS))
          .isInstanceOf(AuthenticationException.class);
      assertThatThrownBy(() -> kek.unwrap(Arrays.copyOf(wrapped, 10), PAYMENTS))
          .isInstanceOf(AuthenticationException.class);
      assertThatThrownBy(() -> kek.unwrap(new byte[0], PAYMENTS))
          .isInstanceOf(AuthenticationException.class);
      byte[] badVersion = wrapped.clone();
      badVersion[1] = '!';
      assertThatThrownBy(() -> kek.unwrap(badVersion, PAYMENTS))
          .isInstanceOf(AuthenticationException.class);
    }
  }

  @Test
  void throttlingIsRetriedAndAHangingVaultFailsWithinTheDeadline() {
    vault.createRsaKey("faults");
    Map<String, String> quick = settings(vault);
    quick.put("attemptTimeout", "PT0.5S");
    quick.put("maxAttempts", "2");
    try (Kek kek = open("azure-kv://" + VAULT + "/keys/faults", quick)) {
      byte[] wrapped = kek.wrap(randomDek(), PAYMENTS);
      vault.clearCalls();
      vault.failNext(1, 429);
      assertThat(kek.unwrap(wrapped, PAYMENTS).length()).isEqualTo(32);
      assertThat(vault.calls()).extracting(FakeKeyVault.Call::status).startsWith(429);

      vault.failNext(2, 503);
      assertThatThrownBy(() -> kek.unwrap(wrapped, PAYMENTS))
          .isInstanceOfSatisfying(
              KeyUnavailableException.class, e -> assertThat(e.retryable()).isTrue())
          .hasMessageContaining("503");

      vault.hangNext(2, Duration.ofSeconds(5));
      long start = System.nanoTime();
      assertThatThrownBy(() -> kek.unwrap(wrapped, PAYMENTS))
          .isInstanceOfSatisfying(
              KeyUnavailableException.class, e -> assertThat(e.retryable()).isTrue());
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
    }
  }

  @Test
  void disabledKeysAndRefusedOperationsAreNonRetryable() {
    String version = vault.createRsaKey("disabled");
    try (Kek kek = open("azure-kv://" + VAULT + "/keys/disabled", settings(vault))) {
      byte[] wrapped = kek.wrap(randomDek(), PAYMENTS);
      vault.setEnabled("disabled", version, false);
      assertThatThrownBy(() -> kek.unwrap(wrapped, PAYMENTS))
          .isInstanceOfSatisfying(
              KeyUnavailableException.class, e -> assertThat(e.retryable()).isFalse())
          .hasMessageContaining("403")
          .hasMessageContaining("Key Vault Crypto");
      assertThatThrownBy(() -> open("azure-kv://" + VAULT + "/keys/disabled", settings(vault)))
          .isInstanceOf(KeyUnavailableException.class)
          .hasMessageContaining("disabled");
      vault.setEnabled("disabled", version, true);
      vault.setOperations("disabled", version, List.of("wrapKey"));
      assertThatThrownBy(() -> kek.unwrap(wrapped, PAYMENTS))
          .isInstanceOf(KeyUnavailableException.class)
          .hasMessageContaining("not permitted");
    }
    assertThatThrownBy(() -> open("azure-kv://" + VAULT + "/keys/no-such-key", settings(vault)))
        .isInstanceOfSatisfying(
            KeyUnavailableException.class, e -> assertThat(e.retryable()).isFalse())
        .hasMessageContaining("404");
  }

  @Test
  void aTokenTheFederationDoesNotTrustIsATypedError() throws Exception {
    vault.createRsaKey("untrusted");
    Path other = Files.createTempFile(dir, "token", "");
    Files.writeString(other, "eyJ.someone-else.sig");
    Map<String, String> s = settings(vault);
    s.put("tokenFile", other.toString());
    assertThatThrownBy(() -> open("azure-kv://" + VAULT + "/keys/untrusted", s))
        .isInstanceOfSatisfying(
            KeyUnavailableException.class, e -> assertThat(e.retryable()).isFalse())
        .hasMessageContaining("no token for Key Vault")
        .hasMessageNotContaining("someone-else");
  }

  @Test
  void endToEndThroughTheCoreApiEachRecipientAloneOpensIt() throws Exception {
    vault.createRsaKey("e2e");
    Path keys = Files.createDirectories(dir.resolve("keys"));
    LocalKekProvider.generate(keys.resolve("dr.key"));
    String uri = "azure-kv://" + VAULT + "/keys/e2e";
    KeyPolicy policy =
        KeyPolicy.parse(
            "version: 1\nkeys:\n  payments:\n    keks: ['" + uri + "', 'local://dr']\n",
            "policy.yaml");
    byte[] plaintext = "wire 100 EUR".getBytes(StandardCharsets.UTF_8);
    LocalConfig both =
        LocalConfig.builder()
            .provider("azure-kv", settings(vault))
            .provider("local", Map.of("dir", keys.toString()))
            .build();
    byte[] sealed;
    try (Envelope e =
        Envelope.builder().policy(policy).localConfig(both).discoverProviders().build()) {
      sealed = e.encrypt("payments", plaintext, Map.of("tenant", "contoso"));
    }
    LocalConfig azureOnly =
        LocalConfig.builder()
            .provider("azure-kv", settings(vault))
            .provider("local", Map.of("dir", dir.resolve("none").toString()))
            .build();
    try (Envelope e =
        Envelope.builder().policy(policy).localConfig(azureOnly).discoverProviders().build()) {
      assertThat(e.decrypt(sealed, Map.of("tenant", "contoso"))).isEqualTo(plaintext);
      assertThat(e.stats().unwrapCalls(uri)).isEqualTo(1);
    }
    Map<String, String> unreachable = settings(vault);
    unreachable.put("endpoint", "https://127.0.0.1:1");
    // The old form of maxAttempts (maxRetries = maxAttempts - 1) still works, with a warning.
    unreachable.put("maxRetries", "0");
    LocalConfig localOnly =
        LocalConfig.builder()
            .prefer("azure-kv")
            .provider("azure-kv", unreachable)
            .provider("local", Map.of("dir", keys.toString()))
            .build();
    try (Envelope e =
        Envelope.builder().policy(policy).localConfig(localOnly).discoverProviders().build()) {
      assertThat(e.decrypt(sealed, Map.of("tenant", "contoso"))).isEqualTo(plaintext);
      assertThat(e.stats().unwrapCalls("local://dr")).isEqualTo(1);
    }
  }

  @Test
  void urisAndSettingsAreValidated() {
    assertThat(KeyVaultKeyUri.parse("azure-kv://kv1.vault.azure.net/keys/k/0123abcd").version())
        .contains("0123abcd");
    assertThat(KeyVaultKeyUri.parse("azure-kv://hsm1.managedhsm.azure.net/keys/k").managedHsm())
        .isTrue();
    for (String bad :
        List.of(
            "azure-kv://evil.example.com/keys/k",
            "azure-kv://kv.vault.azure.net/secrets/k",
            "azure-kv://kv.vault.azure.net/keys/k/v/extra",
            "azure-kv://kv.vault.azure.net/keys/")) {
      assertThatThrownBy(() -> KeyVaultKeyUri.parse(bad))
          .isInstanceOf(InvalidPolicyException.class)
          .hasMessageContaining("azure-kv://VAULT.vault.azure.net/keys/NAME");
    }
    Map<String, String> s = settings(vault);
    s.put("endpoint", "http://127.0.0.1:80");
    assertThatThrownBy(() -> open("azure-kv://" + VAULT + "/keys/x", s))
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessageContaining("https");
    assertThatThrownBy(
            () ->
                open("azure-kv://" + VAULT + "/keys/x", Map.of("credentials", "workload-identity")))
        .isInstanceOf(KeyUnavailableException.class)
        .hasMessageContaining("AZURE_FEDERATED_TOKEN_FILE");
    assertThatThrownBy(() -> open("azure-kv://" + VAULT + "/keys/x", Map.of("clientSecret", "x")))
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessageContaining("unknown setting");
  }

  /** Rotation as Key Vault reports it (the key's rotation policy, the version's created). */
  @Test
  void rotationComplianceFollowsTheKeysRotationPolicy() {
    java.time.Instant now = java.time.Instant.now();
    vault.createRsaKey("rot-every90");
    vault.setRotateAfter("rot-every90", "P90D");
    vault.createRsaKey("rot-yearly");
    vault.setRotateAfter("rot-yearly", "P1Y");
    String old = vault.createRsaKey("rot-none");
    vault.setCreated("rot-none", old, now.minus(java.time.Duration.ofDays(120)));
    KeyPolicy policy =
        KeyPolicy.builder()
            .key(
                "payments",
                java.util.List.of("rot-every90", "rot-yearly", "rot-none").stream()
                    .map(n -> "azure-kv://" + VAULT + "/keys/" + n)
                    .toList(),
                java.util.List.of(),
                1)
            .rotationPeriod("payments", java.time.Duration.ofDays(90))
            .build();
    try (Envelope e =
        Envelope.builder()
            .policy(policy)
            .localConfig(LocalConfig.builder().provider("azure-kv", settings(vault)).build())
            .discoverProviders()
            .build()) {
      java.util.List<dev.envelope.core.RotationCheck> checks = e.checkRotation("payments");
      assertThat(checks)
          .extracting(dev.envelope.core.RotationCheck::verdict)
          .containsExactly(
              dev.envelope.core.RotationCheck.Verdict.COMPLIANT,
              dev.envelope.core.RotationCheck.Verdict.NOT_COMPLIANT,
              dev.envelope.core.RotationCheck.Verdict.NOT_COMPLIANT);
      assertThat(checks.get(0).state().automaticPeriod()).contains(java.time.Duration.ofDays(90));
      assertThat(checks.get(1).reason()).contains("365 days");
      assertThat(checks.get(2).reason()).contains("120 days old");
      assertThat(checks.get(2).state().evidence()).contains("no Rotate action");
    }
  }
}
