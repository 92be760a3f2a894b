package dev.envelope.kms.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.envelope.core.Diagnosis;
import dev.envelope.core.Envelope;
import dev.envelope.core.KeyPolicy;
import dev.envelope.core.LocalConfig;
import dev.envelope.core.audit.AuditEvent;
import dev.envelope.core.audit.AuditSink;
import dev.envelope.core.audit.Slf4jAuditSink;
import dev.envelope.core.spi.KekDescription;
import dev.envelope.core.spi.ProviderSettings;
import dev.envelope.testing.aws.AwsIdentities;
import dev.envelope.testing.aws.FakeAwsKms;
import dev.envelope.testing.aws.FakeSts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an AWS KMS KEK says about itself and what the doctor finds, against the loopback KMS and
 * STS: the identity confirmed with GetCallerIdentity, the key state from DescribeKey, a denied
 * principal, a disabled or deleted key, a hanging endpoint; and the audit trail's request ids.
 */
class AwsDoctorTest {
  private static final String REGION = "eu-west-2";
  private static final String ROLE =
      "arn:aws:iam::" + AwsIdentities.ACCOUNT + ":role/payments-irsa";
  private static final String SESSION_PREFIX =
      "arn:aws:sts::" + AwsIdentities.ACCOUNT + ":assumed-role/payments-irsa/";
  private static final String TOKEN = "eyJhbGciOiJSUzI1NiJ9.doctor-test-token-do-not-log.c2ln";

  private static AwsIdentities identities;
  private static FakeAwsKms kms;
  private static FakeSts sts;
  private static AwsIdentities.Credentials ci;

  @TempDir Path dir;
  private Path token;

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
  void setUp() throws Exception {
    kms.clearFaults();
    kms.clearCalls();
    token = dir.resolve("token");
    Files.writeString(token, TOKEN);
    sts.trustWebIdentity(ROLE, token);
  }

  private Map<String, String> irsa() {
    Map<String, String> s = new HashMap<>();
    s.put("credentials", "web-identity");
    s.put("region", REGION);
    s.put("endpoint", kms.endpoint().toString());
    s.put("stsEndpoint", sts.endpoint().toString());
    s.put("callTimeout", "PT20S");
    s.put("attemptTimeout", "PT20S");
    return s;
  }

  private Map<String, String> irsaEnv() {
    return Map.of("AWS_ROLE_ARN", ROLE, "AWS_WEB_IDENTITY_TOKEN_FILE", token.toString());
  }

  private Map<String, String> staticCi() {
    Map<String, String> s = irsa();
    s.put("credentials", "static");
    return s;
  }

  private static Map<String, String> ciEnv() {
    return Map.of(
        "AWS_ACCESS_KEY_ID", ci.accessKeyId(), "AWS_SECRET_ACCESS_KEY", ci.secretAccessKey());
  }

  private static KekDescription describe(
      String arn, Map<String, String> settings, Map<String, String> env) {
    return new AwsKmsKekProvider(env::get)
        .describe("aws-kms://" + arn, new ProviderSettings("test", "aws-kms", settings));
  }

  private static Envelope envelope(
      String uri, Map<String, String> settings, Map<String, String> env, AuditSink audit) {
    return Envelope.builder()
        .policy(KeyPolicy.builder().key("payments", List.of(uri), List.of()).build())
        .localConfig(LocalConfig.builder().provider("aws-kms", settings).build())
        .provider(new AwsKmsKekProvider(env::get))
        .audit(audit)
        .build();
  }

  @Test
  void irsaIdentityIsConfirmedWithGetCallerIdentityAndTheKeyIsDescribed() {
    String key = kms.createSymmetricKey(REGION);
    KekDescription d = describe(key, irsa(), irsaEnv());
    assertThat(d.identity()).startsWith(SESSION_PREFIX);
    assertThat(d.identityConfirmed()).isTrue();
    assertThat(d.identitySource()).isEqualTo("IRSA web identity token " + token);
    assertThat(d.endpoint()).isEqualTo(kms.endpoint().toString());
    assertThat(d.region()).isEqualTo(REGION);
    assertThat(d.keyState()).isEqualTo(KekDescription.KeyState.ENABLED);
    assertThat(d.keySpec()).isEqualTo("SYMMETRIC_DEFAULT");
    assertThat(d.details())
        .containsEntry("keyUsage", "ENCRYPT_DECRYPT")
        .containsEntry("keyManager", "CUSTOMER");
    assertThat(d.problems()).isEmpty();
    assertThat(sts.calls()).anyMatch(c -> c.startsWith("GetCallerIdentity " + SESSION_PREFIX));
    assertThat(d.toString()).doesNotContain(TOKEN);
  }

  @Test
  void aDeniedPrincipalIsNamedAndReachableButCannotSeal() {
    String key = kms.createSymmetricKey(REGION);
    kms.allowOnly(key, SESSION_PREFIX);
    String uri = "aws-kms://" + key;
    try (Envelope e = envelope(uri, staticCi(), ciEnv(), null)) {
      Diagnosis d = e.diagnose(null, Duration.ofSeconds(20));
      Diagnosis.KekHealth h = d.kek(uri).orElseThrow();
      assertThat(h.description().identity())
          .isEqualTo("arn:aws:iam::" + AwsIdentities.ACCOUNT + ":user/ci");
      assertThat(h.description().identityConfirmed()).isTrue();
      assertThat(h.description().problems())
          .singleElement()
          .asString()
          .contains("AccessDeniedException");
      assertThat(h.reachable()).isTrue();
      assertThat(h.check().canWrap()).isFalse();
      assertThat(h.check().problem()).contains("AccessDeniedException");
      assertThat(d.verdict()).isEqualTo(Diagnosis.Verdict.CANNOT_OPEN);
      assertThat(d.toString()).doesNotContain(ci.secretAccessKey());
    }
  }

  @Test
  void disabledAndDeletedKeysAreDescribedThoughTheyCannotBeOpened() {
    String disabled = kms.createSymmetricKey(REGION);
    kms.setEnabled(disabled, false);
    String deleted = kms.createSymmetricKey(REGION);
    Instant when = Instant.parse("2026-12-09T00:00:00Z");
    kms.scheduleDeletion(deleted, when);
    assertThat(describe(disabled, irsa(), irsaEnv()).keyState())
        .isEqualTo(KekDescription.KeyState.DISABLED);
    KekDescription d = describe(deleted, irsa(), irsaEnv());
    assertThat(d.keyState()).isEqualTo(KekDescription.KeyState.PENDING_DELETION);
    assertThat(d.details())
        .containsEntry("keyState", "PendingDeletion")
        .containsEntry("deletionDate", when.toString());
    try (Envelope e = envelope("aws-kms://" + disabled, irsa(), irsaEnv(), null)) {
      Diagnosis diagnosis = e.diagnose(null, Duration.ofSeconds(20));
      Diagnosis.KekHealth h = diagnosis.keks().get(0);
      assertThat(h.check().problem()).contains("the key is Disabled");
      assertThat(h.reachable()).isTrue();
      assertThat(diagnosis.key("payments").orElseThrow().canSeal()).isFalse();
    }
  }

  @Test
  void aHangingKmsCostsTheDeadlineOnce() {
    String key = kms.createSymmetricKey(REGION);
    String uri = "aws-kms://" + key;
    kms.hangNext(10, Duration.ofSeconds(8));
    try (Envelope e = envelope(uri, irsa(), irsaEnv(), null)) {
      long start = System.nanoTime();
      Diagnosis d = e.diagnose(null, Duration.ofSeconds(2));
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
      Diagnosis.KekHealth h = d.kek(uri).orElseThrow();
      assertThat(h.timedOut()).isTrue();
      assertThat(h.reachable()).isFalse();
      assertThat(h.check().problem())
          .startsWith("no answer within the deadline of PT2S while describing the KEK");
      assertThat(d.verdict()).isEqualTo(Diagnosis.Verdict.CANNOT_OPEN);
    } finally {
      kms.clearFaults();
    }
  }

  @Test
  void auditEventsCarryTheRequestIdKmsLoggedAndNoSecret() {
    String key = kms.createSymmetricKey(REGION);
    String uri = "aws-kms://" + key;
    List<AuditEvent> events = new CopyOnWriteArrayList<>();
    byte[] sealed;
    try (Envelope e = envelope(uri, irsa(), irsaEnv(), events::add)) {
      sealed = e.encrypt("payments", "hello".getBytes(StandardCharsets.UTF_8), Map.of());
      e.diagnose(null, Duration.ofSeconds(20));
    }
    kms.clearCalls();
    try (Envelope e = envelope(uri, irsa(), irsaEnv(), events::add)) {
      e.decrypt(sealed, Map.of());
    }
    FakeAwsKms.Call decrypt =
        kms.calls().stream().filter(c -> c.operation().equals("Decrypt")).findFirst().orElseThrow();
    List<AuditEvent.KekCall> calls =
        events.stream()
            .filter(AuditEvent.KekCall.class::isInstance)
            .map(AuditEvent.KekCall.class::cast)
            .toList();
    assertThat(calls).hasSize(4); // wrap, probe wrap, probe unwrap, unwrap
    assertThat(calls)
        .allSatisfy(
            c -> {
              assertThat(c.reference()).matches("[0-9a-f-]{36}");
              assertThat(c.identity()).isEqualTo(ROLE);
            });
    assertThat(calls).filteredOn(AuditEvent.KekCall::probe).hasSize(2);
    assertThat(calls.get(3).reference()).isEqualTo(decrypt.requestId());
    for (AuditEvent event : events) {
      String line = Slf4jAuditSink.json(event.fields());
      assertThat(line).doesNotContain(TOKEN);
      for (AwsIdentities.Credentials c : identities.issued()) {
        assertThat(line).doesNotContain(c.secretAccessKey());
        if (c.sessionToken() != null) {
          assertThat(line).doesNotContain(c.sessionToken());
        }
      }
    }
  }
}
