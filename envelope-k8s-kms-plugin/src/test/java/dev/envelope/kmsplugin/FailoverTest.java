package dev.envelope.kmsplugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.envelope.kmsplugin.v2.StatusRequest;
import dev.envelope.testing.SelfSignedTls;
import dev.envelope.testing.aws.AwsIdentities;
import dev.envelope.testing.aws.FakeAwsKms;
import dev.envelope.testing.aws.FakeSts;
import dev.envelope.testing.azure.FakeEntraId;
import dev.envelope.testing.azure.FakeKeyVault;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Multi-cloud fail-over through the plugin: a policy with an AWS KMS KEK (preferred) and an Azure
 * Key Vault KEK, both loopback fakes reached with the real SDKs and workload identity. With AWS
 * down, Decrypt keeps working through Azure, Status reports degraded sealing while minWrap still
 * holds and stops writes when it does not, and everything recovers without a restart.
 */
class FailoverTest {
  private static final String REGION = "eu-west-2";
  private static final String ROLE = "arn:aws:iam::" + AwsIdentities.ACCOUNT + ":role/etcd-kms";
  private static final String TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
  private static final String CLIENT = "5c3b1a9e-0000-4a1b-9d2e-etcdkms00001";
  private static final String VAULT = "etcd.vault.azure.net";

  private static FakeAwsKms kms;
  private static FakeSts sts;
  private static FakeEntraId entra;
  private static FakeKeyVault vault;
  private static Path tokens;

  @TempDir Path dir;

  @BeforeAll
  static void start() throws Exception {
    SelfSignedTls tls = SelfSignedTls.create();
    tls.installAsDefault();
    AwsIdentities identities = new AwsIdentities();
    kms = new FakeAwsKms(identities);
    sts = new FakeSts(identities);
    entra = new FakeEntraId(tls, TENANT);
    vault = new FakeKeyVault(tls, entra, VAULT);
    tokens = Files.createTempDirectory("kms-plugin-tokens");
    Files.writeString(tokens.resolve("aws"), "eyJhbGciOiJSUzI1NiJ9.node-aws.sig");
    Files.writeString(tokens.resolve("azure"), "eyJhbGciOiJSUzI1NiJ9.node-azure.sig");
    sts.trustWebIdentity(ROLE, tokens.resolve("aws"));
    entra.trustFederatedToken(CLIENT, tokens.resolve("azure"));
  }

  @AfterAll
  static void stop() {
    kms.close();
    sts.close();
    vault.close();
    entra.close();
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what).isLessThan(end);
      Thread.sleep(50);
    }
  }

  private static String healthz(ApiServer api) {
    try {
      return api.stub().status(StatusRequest.getDefaultInstance()).getHealthz();
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode() + ": " + e.getStatus().getDescription();
    }
  }

  @Test
  void decryptFailsOverToTheSecondCloudAndStatusFollowsMinWrap() throws Exception {
    String aws = "aws-kms://" + kms.createSymmetricKey(REGION);
    vault.createRsaKey("etcd");
    String azure = "azure-kv://" + VAULT + "/keys/etcd";
    PluginFixture fixture = new PluginFixture(dir);
    Files.writeString(
        fixture.local,
        "version: 1\nprefer: [aws-kms, azure-kv]\nproviders:\n"
            + "  aws-kms:\n    credentials: web-identity\n    roleArn: "
            + ROLE
            + "\n    webIdentityTokenFile: "
            + tokens.resolve("aws")
            + "\n    region: "
            + REGION
            + "\n    endpoint: "
            + kms.endpoint()
            + "\n    stsEndpoint: "
            + sts.endpoint()
            + "\n    maxAttempts: 1\n    callTimeout: PT2S\n    attemptTimeout: PT2S\n"
            + "  azure-kv:\n    credentials: workload-identity\n    tenantId: "
            + TENANT
            + "\n    clientId: "
            + CLIENT
            + "\n    tokenFile: "
            + tokens.resolve("azure")
            + "\n    authorityHost: "
            + entra.authorityHost()
            + "\n    endpoint: "
            + vault.endpoint()
            + "\n    verifyChallengeResource: false\n");
    fixture.policy("'" + aws + "', '" + azure + "'", "", 1);

    ApiServer.Stored stored;
    try (KmsPlugin plugin = fixture.start();
        ApiServer api = new ApiServer(fixture.socket)) {
      stored = api.sealer(); // wrapped under both clouds
      assertThat(api.open(stored)).isEqualTo(stored.seed());
    }

    kms.failNext(100_000, 503, "KMSInternalException"); // AWS KMS is down
    try (KmsPlugin plugin = fixture.start();
        ApiServer api = new ApiServer(fixture.socket)) {
      vault.clearCalls();
      // A fresh plugin (as after a node reboot) opens the stored seed through Azure.
      assertThat(api.open(stored)).isEqualTo(stored.seed());
      assertThat(vault.calls()).anyMatch(c -> c.path().endsWith("/unwrapkey") && c.status() == 200);
      // Sealing is degraded but minWrap 1 still holds: a valid key_id, healthz says why.
      await(() -> healthz(api).startsWith("degraded: 1 of 2 KEKs wrap (minWrap 1)"), "degraded");
      assertThat(healthz(api)).contains(aws).contains("KMSInternalException");
      try (ApiServer other = new ApiServer(fixture.socket)) {
        ApiServer.Stored sealedDuringOutage = other.sealerAllowingDegraded();
        assertThat(api.open(sealedDuringOutage)).isEqualTo(sealedDuringOutage.seed());
      }

      // With minWrap 2 the key cannot seal: Status fails, so writes stop.
      fixture.policy("'" + aws + "', '" + azure + "'", "", 2);
      await(
          () -> healthz(api).startsWith("UNAVAILABLE: cannot seal: 1 of 2 KEKs wrap (minWrap 2)"),
          "writes stop");
      assertThatThrownBy(() -> api.stub().status(StatusRequest.getDefaultInstance()))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
      assertThat(api.open(stored)).isEqualTo(stored.seed()); // reads never stopped

      kms.clearFaults(); // AWS is back: the next background check sees it, no restart
      await(() -> healthz(api).equals("ok"), "recovers by itself");
      assertThat(api.sealer().keyId()).isNotEqualTo(stored.keyId()); // minWrap 2: a new write set
    } finally {
      kms.clearFaults();
    }
  }
}
