package dev.envelope.kms.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.api.gax.rpc.FixedTransportChannelProvider;
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
import dev.envelope.testing.gcp.FakeCloudKms;
import dev.envelope.testing.gcp.FakeGoogleSts;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gcp-kms://} KEKs with the real {@code KeyManagementServiceClient} and google-auth against
 * an in-process Cloud KMS gRPC fake and an HTTPS STS fake (workload identity federation).
 */
class GcpKmsKekTest {
  private static final String AUDIENCE =
      "//iam.googleapis.com/projects/123456789/locations/global"
          + "/workloadIdentityPools/envelope-pool/providers/k8s-cluster-a";
  private static final String PRINCIPAL_PREFIX =
      "principal://iam.googleapis.com/projects/123456789/"
          + "locations/global/workloadIdentityPools/envelope-pool/";
  private static final WrapContext PAYMENTS = new WrapContext("payments");

  private static FakeGoogleSts sts;
  private static FakeCloudKms kms;
  private static Path credentialConfig;
  private static Path tokenFile;

  @TempDir Path dir;

  @BeforeAll
  static void start() throws Exception {
    SelfSignedTls tls = SelfSignedTls.create();
    tls.installAsDefault();
    sts = new FakeGoogleSts(tls);
    kms = new FakeCloudKms(sts);
    Path home = Files.createTempDirectory("gcp-wif");
    // The projected Kubernetes service-account token, and the credential configuration that
    // `gcloud iam workload-identity-pools create-cred-config` writes.
    tokenFile = home.resolve("token");
    Files.writeString(tokenFile, "eyJhbGciOiJSUzI1NiJ9.k8s-service-account.sig");
    sts.trust(AUDIENCE, tokenFile);
    credentialConfig = home.resolve("credential-configuration.json");
    Files.writeString(
        credentialConfig,
        """
        {
          "type": "external_account",
          "audience": "%s",
          "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
          "token_url": "%s",
          "credential_source": {"file": "%s"}
        }
        """
            .formatted(AUDIENCE, sts.tokenUrl(), tokenFile));
  }

  @AfterAll
  static void stop() {
    kms.close();
    sts.close();
  }

  @BeforeEach
  void clear() {
    kms.clearFaults();
    kms.clearCalls();
  }

  private static GcpKmsKekProvider provider() {
    return new GcpKmsKekProvider(
        settings ->
            FixedTransportChannelProvider.create(
                GrpcTransportChannel.create(
                    InProcessChannelBuilder.forName(kms.inProcessName()).build())));
  }

  private static Map<String, String> settings() {
    Map<String, String> s = new HashMap<>();
    s.put("credentials", "external-account");
    s.put("credentialsFile", credentialConfig.toString());
    s.put("callTimeout", "PT5S");
    s.put("attemptTimeout", "PT2S");
    return s;
  }

  private static Kek open(String uri, Map<String, String> settings) {
    return provider().open(uri, new ProviderSettings("test", "gcp-kms", settings));
  }

  private static SecretBytes randomDek() {
    byte[] dek = new byte[32];
    new SecureRandom().nextBytes(dek);
    return SecretBytes.adopt(dek);
  }

  @Test
  void symmetricKeysUseEncryptAndDecryptWithTheFederatedToken() {
    String key = kms.createSymmetricKey("envelope-prod", "europe-west1", "payments", "sym");
    try (Kek kek = open("gcp-kms://" + key, settings())) {
      assertThat(kek.algorithm()).isEqualTo(WrapAlgorithm.GCP_KMS);
      SecretBytes dek = randomDek();
      byte[] wrapped = kek.wrap(dek, PAYMENTS);
      assertThat(kek.unwrap(wrapped, PAYMENTS).toByteArray()).isEqualTo(dek.toByteArray());

      assertThatThrownBy(() -> kek.unwrap(wrapped, new WrapContext("orders")))
          .isInstanceOf(AuthenticationException.class)
          .hasMessageContaining("INVALID_ARGUMENT");
      byte[] tampered = wrapped.clone();
      tampered[tampered.length - 1] ^= 1;
      assertThatThrownBy(() -> kek.unwrap(tampered, PAYMENTS))
          .isInstanceOf(AuthenticationException.class);

      // Rotation: a new primary wraps; the old version still opens what it wrapped.
      kms.rotate(key);
      byte[] after = kek.wrap(randomDek(), PAYMENTS);
      assertThat(kek.unwrap(after, PAYMENTS).length()).isEqualTo(32);
      assertThat(kek.unwrap(wrapped, PAYMENTS).toByteArray()).isEqualTo(dek.toByteArray());
    }
    assertThat(kms.calls())
        .filteredOn(c -> c.status().equals("OK"))
        .allSatisfy(c -> assertThat(c.principal()).startsWith(PRINCIPAL_PREFIX));
    assertThat(sts.calls()).contains(AUDIENCE + " -> ok");
  }

  @Test
  void asymmetricKeyVersionsWrapLocallyAndDecryptInKms() {
    String version = kms.createRsaKeyVersion("envelope-prod", "europe-west1", "payments", "rsa");
    try (Kek kek = open("gcp-kms://" + version, settings())) {
      assertThat(kek.algorithm()).isEqualTo(WrapAlgorithm.RSA_OAEP_256);
      assertThat(kek.isAsymmetric()).isTrue();
      kms.clearCalls();
      SecretBytes dek = randomDek();
      byte[] wrapped = kek.wrap(dek, PAYMENTS);
      assertThat(kms.calls()).as("no KMS call per wrap").isEmpty();
      assertThat(wrapped).hasSize(384);
      assertThat(kek.unwrap(wrapped, PAYMENTS).toByteArray()).isEqualTo(dek.toByteArray());
      assertThat(kms.calls())
          .extracting(FakeCloudKms.Call::method)
          .containsExactly("AsymmetricDecrypt");
    }
  }

  @Test
  void unavailableIsRetriedAndADeadlineIsARetryableError() {
    String key = kms.createSymmetricKey("envelope-prod", "europe-west1", "payments", "faults");
    Map<String, String> quick = settings();
    // The old name of callTimeout still works, with a deprecation warning.
    quick.remove("callTimeout");
    quick.put("deadline", "PT1S");
    quick.put("attemptTimeout", "PT0.5S");
    try (Kek kek = open("gcp-kms://" + key, quick)) {
      kms.failNext(1, Status.Code.UNAVAILABLE);
      byte[] wrapped = kek.wrap(randomDek(), PAYMENTS);
      assertThat(kms.calls())
          .extracting(FakeCloudKms.Call::status)
          .containsExactly("UNAVAILABLE", "OK");

      kms.hangNext(3, Duration.ofSeconds(4));
      long start = System.nanoTime();
      assertThatThrownBy(() -> kek.unwrap(wrapped, PAYMENTS))
          .isInstanceOfSatisfying(
              KeyUnavailableException.class, e -> assertThat(e.retryable()).isTrue())
          .hasMessageContaining("DEADLINE_EXCEEDED");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    }
  }

  @Test
  void disabledVersionsMissingKeysAndDeniedPrincipalsAreNonRetryable() {
    String key = kms.createSymmetricKey("envelope-prod", "europe-west1", "payments", "states");
    try (Kek kek = open("gcp-kms://" + key, settings())) {
      byte[] wrapped = kek.wrap(randomDek(), PAYMENTS);
      kms.setEnabled(key + "/cryptoKeyVersions/1", false);
      assertThatThrownBy(() -> kek.unwrap(wrapped, PAYMENTS))
          .isInstanceOfSatisfying(
              KeyUnavailableException.class, e -> assertThat(e.retryable()).isFalse())
          .hasMessageContaining("FAILED_PRECONDITION")
          .hasMessageContaining("not enabled");
      kms.setEnabled(key + "/cryptoKeyVersions/1", true);
      kms.allowOnly(key, "principal://someone-else/");
      assertThatThrownBy(() -> kek.unwrap(wrapped, PAYMENTS))
          .isInstanceOfSatisfying(
              KeyUnavailableException.class, e -> assertThat(e.retryable()).isFalse())
          .hasMessageContaining("PERMISSION_DENIED")
          .hasMessageContaining("cryptoKeyEncrypterDecrypter");
    }
    try (Kek missing =
        open(
            "gcp-kms://projects/envelope-prod/locations/europe-west1/keyRings/payments"
                + "/cryptoKeys/absent",
            settings())) {
      assertThatThrownBy(() -> missing.wrap(randomDek(), PAYMENTS))
          .isInstanceOfSatisfying(
              KeyUnavailableException.class, e -> assertThat(e.retryable()).isFalse())
          .hasMessageContaining("NOT_FOUND");
    }
  }

  @Test
  void anUntrustedSubjectTokenGetsNoAccessToKms() throws Exception {
    String key = kms.createSymmetricKey("envelope-prod", "europe-west1", "payments", "untrusted");
    Path otherToken = Files.writeString(dir.resolve("other-token"), "eyJ.other-cluster.sig");
    Path otherConfig = dir.resolve("other.json");
    Files.writeString(
        otherConfig,
        Files.readString(credentialConfig).replace(tokenFile.toString(), otherToken.toString()));
    Map<String, String> s = settings();
    s.put("credentialsFile", otherConfig.toString());
    try (Kek kek = open("gcp-kms://" + key, s)) {
      assertThatThrownBy(() -> kek.wrap(randomDek(), PAYMENTS))
          .isInstanceOf(KeyUnavailableException.class)
          .hasMessageNotContaining("other-cluster");
    }
    assertThat(kms.calls()).noneMatch(c -> c.status().equals("OK"));
  }

  @Test
  void endToEndThroughTheCoreApiEachRecipientAloneOpensIt() throws Exception {
    String key = kms.createSymmetricKey("envelope-prod", "europe-west1", "payments", "e2e");
    Path keys = Files.createDirectories(dir.resolve("keys"));
    LocalKekProvider.generate(keys.resolve("dr.key"));
    String uri = "gcp-kms://" + key;
    KeyPolicy policy =
        KeyPolicy.parse(
            "version: 1\nkeys:\n  payments:\n    keks: ['" + uri + "', 'local://dr']\n",
            "policy.yaml");
    byte[] plaintext = "invoice 2026-11".getBytes(StandardCharsets.UTF_8);
    LocalConfig both =
        LocalConfig.builder()
            .provider("gcp-kms", settings())
            .provider("local", Map.of("dir", keys.toString()))
            .build();
    byte[] sealed;
    try (Envelope e =
        Envelope.builder().policy(policy).localConfig(both).provider(provider()).build()) {
      sealed = e.encrypt("payments", plaintext, Map.of("tenant", "acme"));
    }
    LocalConfig gcpOnly =
        LocalConfig.builder()
            .provider("gcp-kms", settings())
            .provider("local", Map.of("dir", dir.resolve("none").toString()))
            .build();
    try (Envelope e =
        Envelope.builder().policy(policy).localConfig(gcpOnly).provider(provider()).build()) {
      assertThat(e.decrypt(sealed, Map.of("tenant", "acme"))).isEqualTo(plaintext);
      assertThat(e.stats().unwrapCalls(uri)).isEqualTo(1);
    }
    Map<String, String> noCredentials = settings();
    noCredentials.put("credentialsFile", dir.resolve("missing.json").toString());
    LocalConfig localOnly =
        LocalConfig.builder()
            .prefer("gcp-kms")
            .provider("gcp-kms", noCredentials)
            .provider("local", Map.of("dir", keys.toString()))
            .build();
    try (Envelope e =
        Envelope.builder().policy(policy).localConfig(localOnly).provider(provider()).build()) {
      assertThat(e.decrypt(sealed, Map.of("tenant", "acme"))).isEqualTo(plaintext);
      assertThat(e.stats().unwrapCalls("local://dr")).isEqualTo(1);
    }
  }

  @Test
  void urisAndSettingsAreValidated() throws Exception {
    assertThat(
            GcpKeyName.parse("gcp-kms://projects/my-proj/locations/global/keyRings/r/cryptoKeys/k")
                .version())
        .isFalse();
    for (String bad :
        List.of(
            "gcp-kms://projects/p/keyRings/r/cryptoKeys/k",
            "gcp-kms://projects/my-proj/locations/global/keyRings/r/cryptoKeys/k/cryptoKeyVersions/0",
            "gcp-kms://projects/my-proj/locations/global/keyRings/r/cryptoKeys/k/extra")) {
      assertThatThrownBy(() -> GcpKeyName.parse(bad))
          .isInstanceOf(InvalidPolicyException.class)
          .hasMessageContaining("gcp-kms://projects/P/locations/L");
    }
    String uri = "gcp-kms://projects/my-proj/locations/global/keyRings/r/cryptoKeys/k";
    assertThatThrownBy(() -> open(uri, Map.of("credentials", "external-account")))
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessageContaining("credentialsFile");
    Path keyFile = Files.writeString(dir.resolve("sa.json"), "{\"type\": \"service_account\"}");
    assertThatThrownBy(
            () ->
                open(
                    uri,
                    Map.of(
                        "credentials", "external-account", "credentialsFile", keyFile.toString())))
        .isInstanceOf(KeyUnavailableException.class)
        .hasMessageContaining("not an external_account");
    assertThatThrownBy(() -> open(uri, Map.of("endpoint", "https://kms")))
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessageContaining("host:port");
  }

  /** Rotation as Cloud KMS reports it (GetCryptoKey, GetCryptoKeyVersion), judged. */
  @Test
  void rotationComplianceFollowsWhatCloudKmsReports() {
    java.time.Instant now = java.time.Instant.now();
    String every90 = kms.createSymmetricKey("payments-prod", "europe-west2", "rot", "every90");
    kms.setRotationSchedule(
        every90, java.time.Duration.ofDays(90), now.plus(java.time.Duration.ofDays(30)));
    String yearly = kms.createSymmetricKey("payments-prod", "europe-west2", "rot", "yearly");
    kms.setRotationSchedule(yearly, java.time.Duration.ofDays(365), null);
    String manual = kms.createSymmetricKey("payments-prod", "europe-west2", "rot", "manual");
    kms.setCreated(manual + "/cryptoKeyVersions/1", now.minus(java.time.Duration.ofDays(100)));
    String rotated = kms.rotate(manual); // a new primary, made now
    String rsa = kms.createRsaKeyVersion("payments-prod", "europe-west2", "rot", "rsa");
    kms.setCreated(rsa, now.minus(java.time.Duration.ofDays(400)));
    String denied = kms.createSymmetricKey("payments-prod", "europe-west2", "rot", "denied");
    KeyPolicy policy =
        KeyPolicy.builder()
            .key(
                "payments",
                java.util.List.of(every90, yearly, manual, rsa, denied).stream()
                    .map(a -> "gcp-kms://" + a)
                    .toList(),
                java.util.List.of(),
                1)
            .rotationPeriod("payments", java.time.Duration.ofDays(90))
            .build();
    try (Envelope e =
        Envelope.builder()
            .policy(policy)
            .localConfig(LocalConfig.builder().provider("gcp-kms", settings()).build())
            .provider(provider())
            .build()) {
      kms.allowOnly(denied, "principal://nobody");
      java.util.List<dev.envelope.core.RotationCheck> checks = e.checkRotation("payments");
      assertThat(checks)
          .extracting(dev.envelope.core.RotationCheck::verdict)
          .containsExactly(
              dev.envelope.core.RotationCheck.Verdict.COMPLIANT,
              dev.envelope.core.RotationCheck.Verdict.NOT_COMPLIANT,
              dev.envelope.core.RotationCheck.Verdict.COMPLIANT,
              dev.envelope.core.RotationCheck.Verdict.NOT_COMPLIANT,
              dev.envelope.core.RotationCheck.Verdict.UNKNOWN);
      assertThat(checks.get(0).state().nextRotation()).isPresent();
      assertThat(checks.get(2).state().currentKeyCreated().orElseThrow())
          .isAfter(now.minus(java.time.Duration.ofDays(1))); // the new primary, not version 1
      assertThat(checks.get(3).reason()).contains("400 days old");
      assertThat(checks.get(4).reason()).contains("PERMISSION_DENIED");
      assertThat(rotated).endsWith("/cryptoKeyVersions/2");
    }
  }
}
