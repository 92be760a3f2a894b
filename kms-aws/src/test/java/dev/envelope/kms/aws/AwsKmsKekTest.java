package dev.envelope.kms.aws;

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
import dev.envelope.testing.LoopbackServer;
import dev.envelope.testing.aws.AwsIdentities;
import dev.envelope.testing.aws.FakeAwsKms;
import dev.envelope.testing.aws.FakeContainerCredentials;
import dev.envelope.testing.aws.FakeSts;
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
 * {@code aws-kms://} KEKs with the real AWS SDK against loopback KMS, STS and Pod Identity fakes
 * that verify SigV4 signatures and answer in AWS's wire formats.
 */
class AwsKmsKekTest {
  private static final String REGION = "eu-west-2";
  private static final WrapContext PAYMENTS = new WrapContext("payments");
  private static final String ROLE =
      "arn:aws:iam::" + AwsIdentities.ACCOUNT + ":role/payments-irsa";
  private static final String SESSION_PREFIX =
      "arn:aws:sts::" + AwsIdentities.ACCOUNT + ":assumed-role/payments-irsa/";

  private static AwsIdentities identities;
  private static FakeAwsKms kms;
  private static FakeSts sts;
  private static AwsIdentities.Credentials ci;

  @TempDir Path dir;

  @BeforeAll
  static void start() {
    identities = new AwsIdentities();
    kms = new FakeAwsKms(identities);
    sts = new FakeSts(identities);
    ci = identities.addUser("ci");
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

  private static SecretBytes randomDek() {
    byte[] dek = new byte[32];
    new SecureRandom().nextBytes(dek);
    return SecretBytes.adopt(dek);
  }

  /** Settings for static keys of {@code user}: the simplest way to reach the fake. */
  private static Map<String, String> staticSettings() {
    Map<String, String> s = new HashMap<>();
    s.put("credentials", "static");
    s.put("endpoint", kms.endpoint().toString());
    return s;
  }

  private static Map<String, String> env(AwsIdentities.Credentials c) {
    return Map.of(
        "AWS_ACCESS_KEY_ID", c.accessKeyId(), "AWS_SECRET_ACCESS_KEY", c.secretAccessKey());
  }

  private static Kek open(String arn, Map<String, String> settings, Map<String, String> env) {
    return new AwsKmsKekProvider(env::get)
        .open("aws-kms://" + arn, new ProviderSettings("test", "aws-kms", settings));
  }

  @Test
  void symmetricKeysWrapWithEncryptAndUnwrapWithDecryptUnderTheSameContext() {
    String key = kms.createSymmetricKey(REGION);
    String other = kms.createSymmetricKey(REGION);
    try (Kek kek = open(key, staticSettings(), env(ci));
        Kek otherKek = open(other, staticSettings(), env(ci))) {
      assertThat(kek.algorithm()).isEqualTo(WrapAlgorithm.AWS_KMS);
      assertThat(kek.isAsymmetric()).isFalse();
      SecretBytes dek = randomDek();
      byte[] wrapped = kek.wrap(dek, PAYMENTS);
      assertThat(kek.unwrap(wrapped, PAYMENTS).toByteArray()).isEqualTo(dek.toByteArray());

      assertThatThrownBy(() -> kek.unwrap(wrapped, new WrapContext("orders")))
          .isInstanceOf(AuthenticationException.class)
          .hasMessageContaining("InvalidCiphertextException");
      assertThatThrownBy(() -> otherKek.unwrap(wrapped, PAYMENTS))
          .as("KeyId pinned: KMS refuses another key's blob")
          .isInstanceOf(AuthenticationException.class)
          .hasMessageContaining("IncorrectKeyException");
      byte[] tampered = wrapped.clone();
      tampered[tampered.length - 1] ^= 1;
      assertThatThrownBy(() -> kek.unwrap(tampered, PAYMENTS))
          .isInstanceOf(AuthenticationException.class);
    }
    assertThat(kms.calls())
        .filteredOn(c -> c.operation().equals("Encrypt"))
        .allSatisfy(c -> assertThat(c.principalArn()).endsWith(":user/ci"));
  }

  @Test
  void theFakeChecksTheSignatureSoWrongSecretsAreRefused() {
    String key = kms.createSymmetricKey(REGION);
    Map<String, String> wrongSecret =
        Map.of("AWS_ACCESS_KEY_ID", ci.accessKeyId(), "AWS_SECRET_ACCESS_KEY", "not-the-secret");
    assertThatThrownBy(() -> open(key, staticSettings(), wrongSecret))
        .isInstanceOfSatisfying(
            KeyUnavailableException.class, e -> assertThat(e.retryable()).isFalse())
        .hasMessageContaining("InvalidSignatureException")
        .hasMessageNotContaining("not-the-secret");
  }

  @Test
  void irsaCredentialsComeFromStsAndTheTokenIsReadAgainAtEachRefresh() throws Exception {
    String key = kms.createSymmetricKey(REGION);
    kms.allowOnly(key, SESSION_PREFIX);
    Path token = dir.resolve("token");
    Files.writeString(token, "eyJhbGciOi.first-token.sig");
    sts.trustWebIdentity(ROLE, token);
    // Credentials that last two minutes are refreshed at every use (prefetch is five minutes).
    sts.credentialLifetime(Duration.ofMinutes(2));
    Map<String, String> settings = irsaSettings();
    Map<String, String> env =
        Map.of("AWS_ROLE_ARN", ROLE, "AWS_WEB_IDENTITY_TOKEN_FILE", token.toString());
    try (Kek kek = open(key, settings, env)) {
      byte[] wrapped = kek.wrap(randomDek(), PAYMENTS);
      Files.writeString(token, "eyJhbGciOi.rotated-token.sig"); // the kubelet rotates it
      int before = sts.calls().size();
      assertThat(kek.unwrap(wrapped, PAYMENTS).length()).isEqualTo(32);
      // A new session was obtained after the rotation, so with the new token: the fake accepts
      // only the file's current content.
      assertThat(sts.calls().subList(before, sts.calls().size()))
          .contains("AssumeRoleWithWebIdentity " + ROLE + " -> ok");
    } finally {
      sts.credentialLifetime(Duration.ofHours(1));
    }
    assertThat(sts.calls())
        .filteredOn(c -> c.startsWith("AssumeRoleWithWebIdentity " + ROLE))
        .allSatisfy(c -> assertThat(c).endsWith("-> ok"));
    assertThat(kms.calls())
        .filteredOn(c -> c.operation().equals("Decrypt"))
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.principalArn()).startsWith(SESSION_PREFIX);
              assertThat(c.outcome()).isEqualTo("ok");
            });

    // The static user is not in the key policy: AccessDenied, typed, with a hint.
    assertThatThrownBy(() -> open(key, staticSettings(), env(ci)))
        .isInstanceOfSatisfying(
            KeyUnavailableException.class, e -> assertThat(e.retryable()).isFalse())
        .hasMessageContaining("AccessDeniedException")
        .hasMessageContaining("kms:Decrypt");
  }

  private static Map<String, String> irsaSettings() {
    Map<String, String> s = new HashMap<>();
    s.put("credentials", "web-identity");
    s.put("region", REGION);
    s.put("endpoint", kms.endpoint().toString());
    s.put("stsEndpoint", sts.endpoint().toString());
    return s;
  }

  @Test
  void aRefusedWebIdentityTokenIsATypedError() throws Exception {
    String key = kms.createSymmetricKey(REGION);
    Path token = dir.resolve("untrusted-token");
    Files.writeString(token, "eyJ.not-trusted.x");
    Map<String, String> settings = irsaSettings();
    settings.put("roleArn", "arn:aws:iam::" + AwsIdentities.ACCOUNT + ":role/nobody");
    settings.put("webIdentityTokenFile", token.toString());
    assertThatThrownBy(() -> open(key, settings, Map.of()))
        .isInstanceOf(KeyUnavailableException.class)
        .hasMessageContaining("InvalidIdentityToken");
  }

  @Test
  void assumeRoleOnTopOfIrsaReachesACrossAccountKey() throws Exception {
    String key = kms.createSymmetricKey(REGION);
    String kekRole = "arn:aws:iam::" + AwsIdentities.ACCOUNT + ":role/kek-user";
    kms.allowOnly(key, "arn:aws:sts::" + AwsIdentities.ACCOUNT + ":assumed-role/kek-user/");
    Path token = dir.resolve("token");
    Files.writeString(token, "eyJ.cross-account.sig");
    sts.trustWebIdentity(ROLE, token);
    sts.trustRole(kekRole, SESSION_PREFIX);
    Map<String, String> settings = irsaSettings();
    settings.put("roleArn", ROLE);
    settings.put("webIdentityTokenFile", token.toString());
    settings.put("assumeRoleArn", kekRole);
    try (Kek kek = open(key, settings, Map.of())) {
      assertThat(kek.unwrap(kek.wrap(randomDek(), PAYMENTS), PAYMENTS).length()).isEqualTo(32);
    }
    assertThat(sts.calls()).contains("AssumeRole " + kekRole + " -> ok");
  }

  @Test
  void podIdentityCredentialsComeFromTheAgentWithTheServiceAccountToken() throws Exception {
    String key = kms.createSymmetricKey(REGION);
    String podRole = "arn:aws:iam::" + AwsIdentities.ACCOUNT + ":role/payments-pod";
    kms.allowOnly(key, "arn:aws:sts::" + AwsIdentities.ACCOUNT + ":assumed-role/payments-pod/");
    Path token = dir.resolve("eks-pod-identity-token");
    Files.writeString(token, "eyJ.pod-identity.sig"); // no trailing newline: the SDK refuses one
    try (FakeContainerCredentials agent =
        new FakeContainerCredentials(identities, podRole, token)) {
      Map<String, String> settings = new HashMap<>();
      settings.put("credentials", "pod-identity");
      settings.put("endpoint", kms.endpoint().toString());
      Map<String, String> env =
          Map.of(
              "AWS_CONTAINER_CREDENTIALS_FULL_URI", agent.credentialsUri().toString(),
              "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token.toString());
      // The SDK reads these itself; in a pod EKS sets them as environment variables.
      System.setProperty("aws.containerCredentialsFullUri", agent.credentialsUri().toString());
      System.setProperty("aws.containerAuthorizationTokenFile", token.toString());
      try (Kek kek = open(key, settings, env)) {
        assertThat(kek.unwrap(kek.wrap(randomDek(), PAYMENTS), PAYMENTS).length()).isEqualTo(32);
        assertThat(agent.calls()).isPositive();
        assertThat(agent.rejected()).isZero();
        assertThat(kms.calls())
            .filteredOn(c -> c.outcome().equals("ok"))
            .allSatisfy(c -> assertThat(c.principalArn()).contains("assumed-role/payments-pod/"));

        Files.writeString(token, "eyJ.pod-identity.sig\n");
        assertThatThrownBy(() -> open(key, settings, env))
            .isInstanceOf(KeyUnavailableException.class)
            .hasMessageContaining("line break");
      } finally {
        System.clearProperty("aws.containerCredentialsFullUri");
        System.clearProperty("aws.containerAuthorizationTokenFile");
      }
    }
  }

  @Test
  void rsaKeysWrapLocallyWithTheCachedPublicKeyAndUnwrapInKms() {
    String key = kms.createRsaKey(REGION);
    try (Kek kek = open(key, staticSettings(), env(ci))) {
      assertThat(kek.algorithm()).isEqualTo(WrapAlgorithm.RSA_OAEP_256);
      assertThat(kek.isAsymmetric()).isTrue();
      kms.clearCalls();
      SecretBytes dek = randomDek();
      byte[] wrapped = kek.wrap(dek, PAYMENTS);
      kek.wrap(randomDek(), PAYMENTS);
      assertThat(kms.calls()).as("no KMS call per wrap").isEmpty();
      assertThat(wrapped).hasSize(384);
      assertThat(kek.unwrap(wrapped, PAYMENTS).toByteArray()).isEqualTo(dek.toByteArray());
      assertThat(kms.succeeded("Decrypt")).isEqualTo(1);
      byte[] tampered = wrapped.clone();
      tampered[10] ^= 1;
      assertThatThrownBy(() -> kek.unwrap(tampered, PAYMENTS))
          .isInstanceOf(AuthenticationException.class);
    }
  }

  @Test
  void aMultiRegionReplicaUnwrapsWhatItsPrimaryWrapped() {
    String primary = kms.createMultiRegionKey("us-east-1", REGION);
    Map<String, String> usEast = staticSettings();
    usEast.put("region", "us-east-1");
    Map<String, String> euWest = staticSettings();
    euWest.put("region", REGION);
    byte[] wrapped;
    SecretBytes dek = randomDek();
    try (Kek clusterA = open(primary, usEast, env(ci))) {
      wrapped = clusterA.wrap(dek, PAYMENTS);
    }
    kms.clearCalls();
    try (Kek clusterB = open(primary, euWest, env(ci))) {
      assertThat(clusterB.unwrap(wrapped, PAYMENTS).toByteArray()).isEqualTo(dek.toByteArray());
    }
    assertThat(kms.calls())
        .allSatisfy(
            c -> {
              assertThat(c.region()).isEqualTo(REGION);
              assertThat(c.keyId()).startsWith("arn:aws:kms:" + REGION + ":");
            });
  }

  @Test
  void aliasesWrapWithTheCurrentKeyAndStillUnwrapAfterTheyArePointedElsewhere() {
    String first = kms.createSymmetricKey(REGION);
    String alias = kms.createAlias(first, "payments");
    try (Kek kek = open(alias, staticSettings(), env(ci))) {
      byte[] wrapped = kek.wrap(randomDek(), PAYMENTS);
      kms.createAlias(kms.createSymmetricKey(REGION), "payments"); // re-pointed
      assertThat(kek.unwrap(wrapped, PAYMENTS).length()).isEqualTo(32);
    }
  }

  @Test
  void throttlingIsRetriedAndPersistentServerErrorsAreRetryableErrors() {
    String key = kms.createSymmetricKey(REGION);
    try (Kek kek = open(key, staticSettings(), env(ci))) {
      kms.clearCalls();
      kms.failNext(1, 400, "ThrottlingException");
      byte[] wrapped = kek.wrap(randomDek(), PAYMENTS);
      assertThat(kms.calls())
          .extracting(FakeAwsKms.Call::outcome)
          .containsExactly("ThrottlingException", "ok");

      kms.failNext(3, 500, "KMSInternalException");
      assertThatThrownBy(() -> kek.unwrap(wrapped, PAYMENTS))
          .isInstanceOfSatisfying(
              KeyUnavailableException.class, e -> assertThat(e.retryable()).isTrue())
          .hasMessageContaining("KMSInternalException");
      assertThat(kek.unwrap(wrapped, PAYMENTS).length()).isEqualTo(32);
    }
  }

  @Test
  void aHangingKmsFailsWithinTheConfiguredDeadline() {
    String key = kms.createSymmetricKey(REGION);
    Map<String, String> settings = staticSettings();
    settings.put("attemptTimeout", "PT0.5S");
    settings.put("callTimeout", "PT1S");
    settings.put("maxAttempts", "2");
    try (Kek kek = open(key, settings, env(ci))) {
      kms.hangNext(2, Duration.ofSeconds(4));
      long start = System.nanoTime();
      assertThatThrownBy(() -> kek.wrap(randomDek(), PAYMENTS))
          .isInstanceOfSatisfying(
              KeyUnavailableException.class, e -> assertThat(e.retryable()).isTrue())
          .hasMessageContaining("no answer from AWS");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    }
  }

  @Test
  void disabledKeysAreNonRetryableErrorsAtOpenAndAtUse() {
    String key = kms.createSymmetricKey(REGION);
    try (Kek kek = open(key, staticSettings(), env(ci))) {
      byte[] wrapped = kek.wrap(randomDek(), PAYMENTS);
      kms.setEnabled(key, false);
      assertThatThrownBy(() -> kek.unwrap(wrapped, PAYMENTS))
          .isInstanceOfSatisfying(
              KeyUnavailableException.class, e -> assertThat(e.retryable()).isFalse())
          .hasMessageContaining("DisabledException")
          .hasMessageContaining(key);
      assertThatThrownBy(() -> open(key, staticSettings(), env(ci)))
          .isInstanceOf(KeyUnavailableException.class)
          .hasMessageContaining("the key is Disabled");
    } finally {
      kms.setEnabled(key, true);
    }
  }

  @Test
  void anUnreachableKmsIsRetryable() throws Exception {
    int port = LoopbackServer.unusedPort();
    Map<String, String> settings = staticSettings();
    // The old name of "endpoint" still works (with a deprecation warning).
    settings.remove("endpoint");
    settings.put("kmsEndpoint", "http://127.0.0.1:" + port);
    settings.put("maxAttempts", "1");
    assertThatThrownBy(() -> open(kms.createSymmetricKey(REGION), settings, env(ci)))
        .isInstanceOfSatisfying(
            KeyUnavailableException.class, e -> assertThat(e.retryable()).isTrue());
  }

  @Test
  void settingsAndUrisAreValidated() {
    String key = kms.createSymmetricKey(REGION);
    Map<String, String> bad = staticSettings();
    bad.put("credentials", "password");
    assertThatThrownBy(() -> open(key, bad, env(ci)))
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessageContaining("providers.aws-kms.credentials");
    Map<String, String> secret = staticSettings();
    secret.put("secretAccessKey", "x");
    assertThatThrownBy(() -> open(key, secret, env(ci)))
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessageContaining("unknown setting");
    assertThatThrownBy(() -> open(key, staticSettings(), Map.of()))
        .isInstanceOf(KeyUnavailableException.class)
        .hasMessageContaining("AWS_ACCESS_KEY_ID");
    Map<String, String> irsa = irsaSettings();
    assertThatThrownBy(() -> open(key, irsa, Map.of()))
        .isInstanceOf(KeyUnavailableException.class)
        .hasMessageContaining("AWS_ROLE_ARN");
    assertThatThrownBy(() -> open("1234abcd", staticSettings(), env(ci)))
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessageContaining("full ARN");
  }

  @Test
  void endToEndThroughTheCoreApiEachRecipientAloneOpensIt() throws Exception {
    String key = kms.createSymmetricKey(REGION);
    Path keys = Files.createDirectories(dir.resolve("keys"));
    LocalKekProvider.generate(keys.resolve("dr.key"));
    String uri = "aws-kms://" + key;
    KeyPolicy policy =
        KeyPolicy.parse(
            "version: 1\nkeys:\n  payments:\n    keks: ['" + uri + "', 'local://dr']\n",
            "policy.yaml");
    byte[] plaintext = "order 66".getBytes(StandardCharsets.UTF_8);
    byte[] sealed;
    LocalConfig both =
        LocalConfig.builder()
            .provider("aws-kms", staticSettings())
            .provider("local", Map.of("dir", keys.toString()))
            .build();
    try (Envelope e =
        Envelope.builder()
            .policy(policy)
            .localConfig(both)
            .provider(new AwsKmsKekProvider(env(ci)::get))
            .build()) {
      sealed = e.encrypt("payments", plaintext, Map.of("tenant", "acme"));
      assertThat(Envelope.inspect(sealed, policy).recipients())
          .extracting(r -> r.wrapAlgorithm().name())
          .containsExactly("AWS-KMS", "A256KWP");
    }
    // AWS only: no local key file here.
    LocalConfig awsOnly =
        LocalConfig.builder()
            .provider("aws-kms", staticSettings())
            .provider("local", Map.of("dir", dir.resolve("none").toString()))
            .build();
    try (Envelope e =
        Envelope.builder()
            .policy(policy)
            .localConfig(awsOnly)
            .provider(new AwsKmsKekProvider(env(ci)::get))
            .build()) {
      assertThat(e.decrypt(sealed, Map.of("tenant", "acme"))).isEqualTo(plaintext);
      assertThat(e.stats().unwrapCalls(uri)).isEqualTo(1);
    }
    // Local only: this cluster has no AWS credentials (and tries AWS first).
    LocalConfig localOnly =
        LocalConfig.builder()
            .prefer("aws-kms")
            .provider("aws-kms", staticSettings())
            .provider("local", Map.of("dir", keys.toString()))
            .build();
    try (Envelope e =
        Envelope.builder()
            .policy(policy)
            .localConfig(localOnly)
            .provider(new AwsKmsKekProvider(name -> null))
            .build()) {
      assertThat(e.decrypt(sealed, Map.of("tenant", "acme"))).isEqualTo(plaintext);
      assertThat(e.stats().unwrapCalls("local://dr")).isEqualTo(1);
    }
  }

  @Test
  void theProviderIsFoundByServiceLoader() {
    KeyPolicy policy =
        KeyPolicy.parse(
            "version: 1\nkeys:\n  k:\n    keks: ['aws-kms://"
                + kms.createSymmetricKey(REGION)
                + "']\n",
            "policy.yaml");
    LocalConfig config = LocalConfig.builder().provider("aws-kms", staticSettings()).build();
    try (Envelope e =
        Envelope.builder().policy(policy).localConfig(config).discoverProviders().build()) {
      // Discovered, opened, and failing for want of keys in this process's environment.
      assertThatThrownBy(() -> e.encrypt("k", new byte[1], Map.of()))
          .isInstanceOf(KeyUnavailableException.class)
          .hasMessageContaining("AWS_ACCESS_KEY_ID");
    }
    assertThat(List.of(new AwsKmsKekProvider().schemes()))
        .containsExactly(java.util.Set.of("aws-kms"));
  }

  /**
   * Rotation as KMS reports it (GetKeyRotationStatus, ListKeyRotations, DescribeKey, served by the
   * fake with the real shapes), judged against the policy's rotationPeriod.
   */
  @Test
  void rotationComplianceFollowsWhatKmsReports() {
    java.time.Instant now = java.time.Instant.now();
    String auto90 = kms.createSymmetricKey(REGION);
    kms.setAutomaticRotation(auto90, 90);
    String auto365 = kms.createSymmetricKey(REGION);
    kms.setAutomaticRotation(auto365, 365);
    String oldManual = kms.createSymmetricKey(REGION);
    kms.setCreated(oldManual, now.minus(java.time.Duration.ofDays(200)));
    String rotatedOnDemand = kms.createSymmetricKey(REGION);
    kms.setCreated(rotatedOnDemand, now.minus(java.time.Duration.ofDays(400)));
    kms.addRotation(rotatedOnDemand, now.minus(java.time.Duration.ofDays(10)));
    String rsa = kms.createRsaKey(REGION);
    String denied = kms.createSymmetricKey(REGION);
    KeyPolicy policy =
        KeyPolicy.builder()
            .key(
                "payments",
                java.util.List.of(auto90, auto365, oldManual, rotatedOnDemand, rsa, denied).stream()
                    .map(a -> "aws-kms://" + a)
                    .toList(),
                java.util.List.of(),
                1)
            .rotationPeriod("payments", java.time.Duration.ofDays(90))
            .build();
    try (Envelope e =
        Envelope.builder()
            .policy(policy)
            .localConfig(LocalConfig.builder().provider("aws-kms", staticSettings()).build())
            .provider(new AwsKmsKekProvider(env(ci)::get))
            .build()) {
      e.checkRotation("payments"); // opens every KEK (DescribeKey) before the key policy changes
      kms.allowOnly(denied, "arn:aws:iam::" + AwsIdentities.ACCOUNT + ":role/someone-else");
      java.util.List<dev.envelope.core.RotationCheck> checks = e.checkRotation("payments");
      assertThat(checks)
          .extracting(dev.envelope.core.RotationCheck::verdict)
          .containsExactly(
              dev.envelope.core.RotationCheck.Verdict.COMPLIANT,
              dev.envelope.core.RotationCheck.Verdict.NOT_COMPLIANT,
              dev.envelope.core.RotationCheck.Verdict.NOT_COMPLIANT,
              dev.envelope.core.RotationCheck.Verdict.COMPLIANT,
              dev.envelope.core.RotationCheck.Verdict.COMPLIANT,
              dev.envelope.core.RotationCheck.Verdict.UNKNOWN);
      assertThat(checks.get(0).reason()).contains("every 90 days").contains("next ");
      assertThat(checks.get(0).state().nextRotation()).isPresent();
      assertThat(checks.get(1).reason()).contains("365 days");
      assertThat(checks.get(2).reason()).contains("200 days old");
      assertThat(checks.get(3).state().currentKeyCreated().orElseThrow())
          .isAfter(now.minus(java.time.Duration.ofDays(11)));
      assertThat(checks.get(4).state().evidence()).contains("asymmetric");
      assertThat(checks.get(5).reason()).contains("AccessDeniedException");
    }
  }
}
