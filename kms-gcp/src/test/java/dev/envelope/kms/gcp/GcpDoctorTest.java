package dev.envelope.kms.gcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.api.gax.rpc.FixedTransportChannelProvider;
import dev.envelope.core.Diagnosis;
import dev.envelope.core.Envelope;
import dev.envelope.core.KeyPolicy;
import dev.envelope.core.LocalConfig;
import dev.envelope.core.audit.AuditEvent;
import dev.envelope.core.audit.Slf4jAuditSink;
import dev.envelope.core.spi.KekDescription;
import dev.envelope.core.spi.ProviderSettings;
import dev.envelope.testing.SelfSignedTls;
import dev.envelope.testing.gcp.FakeCloudKms;
import dev.envelope.testing.gcp.FakeGoogleSts;
import io.grpc.inprocess.InProcessChannelBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a Cloud KMS KEK says about itself through workload identity federation, against the loopback
 * STS and Cloud KMS: the federated principal, the key version's state, a denied principal, and the
 * key version named in audit events.
 */
class GcpDoctorTest {
  private static final String AUDIENCE =
      "//iam.googleapis.com/projects/123456789/locations/global"
          + "/workloadIdentityPools/envelope-pool/providers/k8s-cluster-a";
  private static final String PRINCIPAL =
      "principal://iam.googleapis.com/projects/123456789/locations/global"
          + "/workloadIdentityPools/envelope-pool/subject/system:serviceaccount:payments:app";
  private static String token;
  private static FakeGoogleSts sts;
  private static FakeCloudKms kms;
  private static Path credentialConfig;

  @BeforeAll
  static void start() throws Exception {
    SelfSignedTls tls = SelfSignedTls.create();
    tls.installAsDefault();
    sts = new FakeGoogleSts(tls);
    kms = new FakeCloudKms(sts);
    Path home = Files.createTempDirectory("gcp-doctor");
    // A projected service-account token as the kubelet writes it: a JWT whose sub names the SA.
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    token =
        b64.encodeToString("{\"alg\":\"RS256\"}".getBytes(StandardCharsets.UTF_8))
            + "."
            + b64.encodeToString(
                "{\"sub\":\"system:serviceaccount:payments:app\",\"aud\":[\"gcp\"]}"
                    .getBytes(StandardCharsets.UTF_8))
            + ".c2lnbmF0dXJlLW5vdC1mb3ItbG9ncw";
    Path tokenFile = home.resolve("token");
    Files.writeString(tokenFile, token);
    sts.trust(AUDIENCE, tokenFile);
    credentialConfig = home.resolve("credential-configuration.json");
    Files.writeString(
        credentialConfig,
        """
        {"type": "external_account", "audience": "%s",
         "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
         "token_url": "%s", "credential_source": {"file": "%s"}}
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

  private static KekDescription describe(String resource) {
    return provider()
        .describe("gcp-kms://" + resource, new ProviderSettings("t", "gcp-kms", settings()));
  }

  @Test
  void theFederatedPrincipalAndThePrimaryVersionAreDescribed() {
    String key = kms.createSymmetricKey("envelope-prod", "europe-west1", "payments", "doc1");
    KekDescription d = describe(key);
    assertThat(d.identity()).isEqualTo(PRINCIPAL);
    assertThat(d.identityConfirmed()).isTrue();
    assertThat(d.identitySource()).contains("workload identity federation").contains(AUDIENCE);
    assertThat(d.region()).isEqualTo("europe-west1");
    assertThat(d.keyState()).isEqualTo(KekDescription.KeyState.ENABLED);
    assertThat(d.keySpec()).isEqualTo("GOOGLE_SYMMETRIC_ENCRYPTION");
    assertThat(d.details())
        .containsEntry("version", key + "/cryptoKeyVersions/1")
        .containsEntry("protectionLevel", "SOFTWARE")
        .containsEntry("purpose", "ENCRYPT_DECRYPT");
    assertThat(d.problems()).isEmpty();
    // The principal we report is the one Cloud KMS saw.
    assertThat(kms.calls()).extracting(FakeCloudKms.Call::principal).contains(PRINCIPAL);
    assertThat(d.toString()).doesNotContain(token).doesNotContain("c2lnbmF0dXJl");
  }

  @Test
  void disabledAndScheduledForDestructionVersionsAreDescribed() {
    String key = kms.createSymmetricKey("envelope-prod", "europe-west1", "payments", "doc2");
    kms.setEnabled(key + "/cryptoKeyVersions/1", false);
    assertThat(describe(key).keyState()).isEqualTo(KekDescription.KeyState.DISABLED);
    kms.scheduleDestroy(key + "/cryptoKeyVersions/1");
    assertThat(describe(key).keyState()).isEqualTo(KekDescription.KeyState.PENDING_DELETION);
  }

  @Test
  void aDeniedPrincipalIsReachableButCannotSealAndEventsNameTheVersion() {
    String denied = kms.createSymmetricKey("envelope-prod", "europe-west1", "payments", "doc3");
    kms.allowOnly(denied, "principal://someone-else/");
    String ok = kms.createSymmetricKey("envelope-prod", "europe-west1", "payments", "doc4");
    List<AuditEvent> events = new CopyOnWriteArrayList<>();
    try (Envelope e =
        Envelope.builder()
            .policy(
                KeyPolicy.builder()
                    .key(
                        "payments", List.of("gcp-kms://" + denied, "gcp-kms://" + ok), List.of(), 1)
                    .build())
            .localConfig(LocalConfig.builder().provider("gcp-kms", settings()).build())
            .provider(provider())
            .audit(events::add)
            .build()) {
      Diagnosis d = e.diagnose(null, Duration.ofSeconds(10));
      Diagnosis.KekHealth h = d.kek("gcp-kms://" + denied).orElseThrow();
      assertThat(h.description().problems())
          .singleElement()
          .asString()
          .contains("PERMISSION_DENIED");
      assertThat(h.reachable()).isTrue();
      assertThat(h.check().canWrap()).isFalse();
      assertThat(d.verdict()).isEqualTo(Diagnosis.Verdict.HEALTHY); // minWrap 1: the other seals
      e.encrypt("payments", new byte[10], Map.of());
    }
    AuditEvent.KekCall wrap =
        events.stream()
            .filter(
                ev ->
                    ev instanceof AuditEvent.KekCall c
                        && !c.probe()
                        && c.outcome() == AuditEvent.Outcome.OK)
            .map(AuditEvent.KekCall.class::cast)
            .findFirst()
            .orElseThrow();
    assertThat(wrap.reference()).isEqualTo(ok + "/cryptoKeyVersions/1");
    assertThat(wrap.identity()).isEqualTo(PRINCIPAL);
    for (AuditEvent event : events) {
      assertThat(Slf4jAuditSink.json(event.fields())).doesNotContain(token).doesNotContain("ya29.");
    }
  }
}
