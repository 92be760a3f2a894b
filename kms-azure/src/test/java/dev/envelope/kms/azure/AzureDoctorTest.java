package dev.envelope.kms.azure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.envelope.core.Diagnosis;
import dev.envelope.core.Envelope;
import dev.envelope.core.KeyPolicy;
import dev.envelope.core.LocalConfig;
import dev.envelope.core.audit.AuditEvent;
import dev.envelope.core.audit.Slf4jAuditSink;
import dev.envelope.core.spi.KekDescription;
import dev.envelope.core.spi.ProviderSettings;
import dev.envelope.testing.SelfSignedTls;
import dev.envelope.testing.azure.FakeEntraId;
import dev.envelope.testing.azure.FakeKeyVault;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a Key Vault KEK says about itself through AKS workload identity, against the loopback Entra
 * ID and Key Vault: client and tenant, the key's state and type, an application Azure RBAC denies,
 * a disabled key, and the {@code x-ms-request-id} of each call in the audit trail.
 */
class AzureDoctorTest {
  private static final String TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
  private static final String CLIENT = "5c3b1a9e-0000-4a1b-9d2e-doctor0000001";
  private static final String VAULT = "doctor.vault.azure.net";
  private static final String TOKEN = "eyJhbGciOiJSUzI1NiJ9.azure-doctor-token-secret.sig";

  private static FakeEntraId entra;
  private static FakeKeyVault vault;
  private static Path tokenFile;

  @BeforeAll
  static void start() throws Exception {
    SelfSignedTls tls = SelfSignedTls.create();
    tls.installAsDefault();
    entra = new FakeEntraId(tls, TENANT);
    vault = new FakeKeyVault(tls, entra, VAULT);
    tokenFile = Files.createTempFile("azure-doctor-token", "");
    Files.writeString(tokenFile, TOKEN);
    entra.trustFederatedToken(CLIENT, tokenFile);
  }

  @AfterAll
  static void stop() {
    vault.close();
    entra.close();
  }

  @BeforeEach
  void clear() {
    vault.clearFaults();
    vault.clearCalls();
  }

  private static Map<String, String> settings() {
    Map<String, String> s = new HashMap<>();
    s.put("credentials", "workload-identity");
    s.put("tenantId", TENANT);
    s.put("clientId", CLIENT);
    s.put("tokenFile", tokenFile.toString());
    s.put("authorityHost", entra.authorityHost().toString());
    s.put("endpoint", vault.endpoint().toString());
    s.put("verifyChallengeResource", "false");
    s.put("attemptTimeout", "PT3S");
    return s;
  }

  private static KekDescription describe(String name) {
    return new AzureKeyVaultKekProvider(n -> null)
        .describe(
            "azure-kv://" + VAULT + "/keys/" + name,
            new ProviderSettings("t", "azure-kv", settings()));
  }

  private static Envelope envelope(String uri, List<AuditEvent> events) {
    return Envelope.builder()
        .policy(KeyPolicy.builder().key("payments", List.of(uri), List.of()).build())
        .localConfig(LocalConfig.builder().provider("azure-kv", settings()).build())
        .provider(new AzureKeyVaultKekProvider(n -> null))
        .audit(events::add)
        .build();
  }

  @Test
  void theWorkloadIdentityAndTheKeyAreDescribed() {
    String version = vault.createRsaKey("doc-rsa");
    KekDescription d = describe("doc-rsa");
    assertThat(d.identity()).isEqualTo("client " + CLIENT + " in tenant " + TENANT);
    assertThat(d.identityConfirmed()).isTrue();
    assertThat(d.identitySource())
        .isEqualTo("AKS workload identity, federated token file " + tokenFile);
    assertThat(d.endpoint()).isEqualTo(vault.endpoint().toString().replaceAll("/+$", ""));
    assertThat(d.keyState()).isEqualTo(KekDescription.KeyState.ENABLED);
    assertThat(d.keySpec()).isEqualTo("RSA 3072");
    assertThat(d.details())
        .containsEntry("version", version)
        .containsEntry("recoveryLevel", "Recoverable+Purgeable");
    assertThat(d.problems()).isEmpty();
    assertThat(d.toString()).doesNotContain(TOKEN);
  }

  @Test
  void aDisabledKeyIsDescribedAndCannotSeal() {
    String version = vault.createAesKey("doc-disabled");
    vault.setEnabled("doc-disabled", version, false);
    assertThat(describe("doc-disabled").keyState()).isEqualTo(KekDescription.KeyState.DISABLED);
    try (Envelope e =
        envelope("azure-kv://" + VAULT + "/keys/doc-disabled", new CopyOnWriteArrayList<>())) {
      Diagnosis d = e.diagnose(null, Duration.ofSeconds(20));
      assertThat(d.keks().get(0).check().problem()).contains("is disabled");
      assertThat(d.keks().get(0).reachable()).isTrue();
      assertThat(d.verdict()).isEqualTo(Diagnosis.Verdict.CANNOT_OPEN);
    }
  }

  @Test
  void aDeniedApplicationIsNamedAndEveryCallCarriesTheVaultsRequestId() {
    vault.createAesKey("doc-denied");
    vault.allowOnly("doc-denied", "someone-else");
    KekDescription denied = describe("doc-denied");
    assertThat(denied.problems())
        .singleElement()
        .asString()
        .contains("403")
        .contains("appid=" + CLIENT);

    vault.createAesKey("doc-ok");
    List<AuditEvent> events = new CopyOnWriteArrayList<>();
    String uri = "azure-kv://" + VAULT + "/keys/doc-ok";
    byte[] sealed;
    try (Envelope e = envelope(uri, events)) {
      sealed = e.encrypt("payments", new byte[16], Map.of());
    }
    try (Envelope e = envelope(uri, events)) {
      e.decrypt(sealed, Map.of());
    }
    List<AuditEvent.KekCall> calls =
        events.stream()
            .filter(AuditEvent.KekCall.class::isInstance)
            .map(AuditEvent.KekCall.class::cast)
            .toList();
    assertThat(calls).hasSize(2);
    List<String> logged =
        vault.calls().stream()
            .filter(c -> c.path().endsWith("wrapkey"))
            .map(FakeKeyVault.Call::requestId)
            .toList();
    assertThat(calls).extracting(AuditEvent.KekCall::reference).containsExactlyElementsOf(logged);
    assertThat(calls)
        .allSatisfy(
            c -> assertThat(c.identity()).isEqualTo("client " + CLIENT + " in tenant " + TENANT));
    for (AuditEvent event : events) {
      assertThat(Slf4jAuditSink.json(event.fields())).doesNotContain(TOKEN);
    }
  }
}
