package dev.envelope.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.envelope.core.local.LocalKekProvider;
import dev.envelope.kek.hpke.HpkeKekProvider;
import dev.envelope.testing.aws.AwsIdentities;
import dev.envelope.testing.aws.FakeAwsKms;
import dev.envelope.testing.aws.FakeSts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code envelope doctor} as a process against the loopback AWS KMS and STS, a local key and an
 * HPKE key: a healthy KEK, a denied principal, a disabled key, a hanging endpoint, a missing
 * provider and a seal-only KEK, each with its exit code, and no secret in any output.
 */
class DoctorCliIT {
  private static final String REGION = "eu-west-2";
  private static final String ROLE = "arn:aws:iam::" + AwsIdentities.ACCOUNT + ":role/doctor-irsa";
  private static final String SESSION =
      "arn:aws:sts::" + AwsIdentities.ACCOUNT + ":assumed-role/doctor-irsa/envelope";
  private static final String TOKEN = "eyJhbGciOiJSUzI1NiJ9.doctor-cli-projected-token.c2ln";
  @TempDir Path dir;
  private AwsIdentities identities;
  private FakeAwsKms kms;
  private FakeSts sts;
  private AwsIdentities.Credentials user;
  private final List<CliProcess.Result> outputs = new ArrayList<>();
  private final List<String> secrets = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    identities = new AwsIdentities();
    kms = new FakeAwsKms(identities);
    sts = new FakeSts(identities);
    user = identities.addUser("doctor");
    secrets.add(user.secretAccessKey());
    // IRSA: the projected token is a secret the output must never show.
    Path token = dir.resolve("token");
    Files.writeString(token, TOKEN);
    sts.trustWebIdentity(ROLE, token);
    secrets.add(TOKEN);
    LocalKekProvider.generate(dir.resolve("dev.key"));
    secrets.addAll(forms(Files.readAllBytes(dir.resolve("dev.key"))));
    Files.writeString(
        dir.resolve("local.yaml"),
        "version: 1\nproviders:\n  local:\n    dir: "
            + dir
            + "\n  hpke:\n    dir: "
            + dir.resolve("no-private-keys")
            + "\n  aws-kms:\n    credentials: web-identity\n    roleArn: "
            + ROLE
            + "\n    webIdentityTokenFile: "
            + dir.resolve("token")
            + "\n    endpoint: "
            + kms.endpoint()
            + "\n    stsEndpoint: "
            + sts.endpoint()
            + "\n    callTimeout: PT30S\n    attemptTimeout: PT30S\n    maxAttempts: 1\n");
  }

  @AfterEach
  void stop() throws Exception {
    kms.close();
    sts.close();
    // Whatever a test printed, none of it may be a secret it had.
    for (CliProcess.Result r : outputs) {
      for (String s : secrets) {
        assertThat(r.stdout()).doesNotContain(s);
        assertThat(r.stderr()).doesNotContain(s);
      }
    }
  }

  private CliProcess.Result doctor(String policy, String... more) throws Exception {
    Files.writeString(dir.resolve("policy.yaml"), policy);
    List<String> args =
        new ArrayList<>(List.of("doctor", "-p", "policy.yaml", "--local-config", "local.yaml"));
    args.addAll(List.of(more));
    CliProcess.Result r =
        new CliProcess(dir)
            .env("AWS_ACCESS_KEY_ID", user.accessKeyId())
            .env("AWS_SECRET_ACCESS_KEY", user.secretAccessKey())
            .run(args.toArray(String[]::new));
    outputs.add(r);
    return r;
  }

  private static List<String> forms(byte[] secret) {
    return List.of(HexFormat.of().formatHex(secret), Base64.getEncoder().encodeToString(secret));
  }

  @Test
  void healthyKeksExitZeroWithTheConfirmedIdentityAndJsonForMachines() throws Exception {
    String key = kms.createSymmetricKey(REGION);
    String policy =
        "version: 1\nkeys:\n  payments:\n    keks: ['aws-kms://" + key + "', local://dev]\n";
    CliProcess.Result text = doctor(policy);
    assertThat(text.exit()).as(text.stdout() + text.stderr()).isZero();
    assertThat(text.stdout())
        .contains("identity  " + SESSION + "  (confirmed)")
        .contains("via       IRSA web identity token " + dir.resolve("token"))
        .contains("endpoint  " + kms.endpoint())
        .contains("key       SYMMETRIC_DEFAULT, ENABLED")
        .contains("identity  AES-256 key file " + dir.resolve("dev.key") + "  (confirmed)")
        .contains("payments  yes (2 wrap, minWrap 2)")
        .endsWith("healthy (exit 0)\n");
    CliProcess.Result json = doctor(policy, "--json");
    assertThat(json.exit()).isZero();
    JsonNode root = new ObjectMapper().readTree(json.stdout());
    assertThat(root.path("verdict").asText()).isEqualTo("healthy");
    assertThat(root.path("keks")).hasSize(2);
    JsonNode aws = root.path("keks").get(0);
    assertThat(aws.path("canWrap").asBoolean()).isTrue();
    assertThat(aws.path("canUnwrap").asBoolean()).isTrue();
    assertThat(aws.path("wrapMillis").asDouble()).isPositive();
    assertThat(aws.path("description").path("identityConfirmed").asBoolean()).isTrue();
    assertThat(aws.path("description").path("keyState").asText()).isEqualTo("ENABLED");
    assertThat(root.path("keys").get(0).path("canOpen").asBoolean()).isTrue();
  }

  @Test
  void aDeniedPrincipalAndADisabledKeyCannotSealOrOpen() throws Exception {
    String denied = kms.createSymmetricKey(REGION);
    kms.allowOnly(denied, "arn:aws:iam::" + AwsIdentities.ACCOUNT + ":role/someone-else");
    String disabled = kms.createSymmetricKey(REGION);
    kms.setEnabled(disabled, false);
    CliProcess.Result r =
        doctor(
            "version: 1\nkeys:\n  denied:\n    keks: ['aws-kms://"
                + denied
                + "']\n  disabled:\n    keks: ['aws-kms://"
                + disabled
                + "']\n");
    assertThat(r.exit()).as(r.stdout() + r.stderr()).isEqualTo(11);
    assertThat(r.stdout())
        .contains("AccessDeniedException")
        .contains("User: " + SESSION + " is not authorized")
        .contains("key       SYMMETRIC_DEFAULT, DISABLED")
        .contains("the key is Disabled")
        .endsWith("cannot open (exit 11)\n");
  }

  @Test
  void aHangingEndpointIsBoundedByTheDeadline() throws Exception {
    String key = kms.createSymmetricKey(REGION);
    kms.hangNext(20, Duration.ofSeconds(25));
    long start = System.nanoTime();
    CliProcess.Result r =
        doctor(
            "version: 1\nkeys:\n  payments:\n    keks: ['aws-kms://"
                + key
                + "', local://dev]\n    minWrap: 1\n",
            "--deadline",
            "PT2S");
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    kms.clearFaults();
    assertThat(took).isLessThan(Duration.ofSeconds(15));
    assertThat(r.exit()).as(r.stdout() + r.stderr()).isZero(); // minWrap 1: the local KEK seals
    assertThat(r.stdout())
        .containsPattern("aws-kms://\\S+\\s+present\\s+timeout\\s+FAILED")
        .contains("no answer within the deadline of PT2S");
  }

  @Test
  void aMissingProviderIsMisconfiguredAndASealOnlyKekCannotOpen() throws Exception {
    Path elsewhere = Files.createDirectory(dir.resolve("elsewhere"));
    HpkeKekProvider.Generated pair = HpkeKekProvider.generate("x25519", elsewhere);
    secrets.addAll(forms(Files.readAllBytes(pair.privateKeyFile())));
    CliProcess.Result missing =
        doctor(
            "version: 1\nkeys:\n  payments:\n    keks: [local://dev, 'example-kms://keys/one']\n    minWrap: 1\n");
    assertThat(missing.exit()).as(missing.stdout() + missing.stderr()).isEqualTo(7);
    assertThat(missing.stdout())
        .containsPattern("example-kms://keys/one\\s+MISSING")
        .contains("no KEK provider for scheme 'example-kms'")
        .endsWith("misconfigured (exit 7)\n");

    String sealOnly =
        "version: 1\nkeys:\n  reports:\n    keks: ['"
            + pair.uri()
            + "']\n  dev:\n    keks: [local://dev]\n";
    CliProcess.Result r = doctor(sealOnly);
    assertThat(r.exit()).as(r.stdout() + r.stderr()).isEqualTo(11);
    assertThat(r.stdout())
        .contains("via       no private key file here: seal only")
        .containsPattern("reports\\s+yes \\(1 wrap, minWrap 1\\)\\s+NO");
    // One logical key only: the healthy one.
    CliProcess.Result one = doctor(sealOnly, "--key", "dev");
    assertThat(one.exit()).isZero();
    assertThat(one.stdout()).doesNotContain("hpke://");
  }

  @Test
  void anInvalidPolicyIsMisconfiguredInJsonToo() throws Exception {
    CliProcess.Result r = doctor("version: 1\nkeys:\n  payments:\n    keks: []\n", "--json");
    assertThat(r.exit()).isEqualTo(7);
    JsonNode root = new ObjectMapper().readTree(r.stdout());
    assertThat(root.path("verdict").asText()).isEqualTo("misconfigured");
    assertThat(root.path("error").asText()).contains("keks");
  }

  @Test
  void theAuditTrailOfAnEncryptIsJsonLinesOnStderr() throws Exception {
    Files.writeString(
        dir.resolve("policy.yaml"), "version: 1\nkeys:\n  payments:\n    keks: [local://dev]\n");
    Files.writeString(dir.resolve("m.txt"), "audited message");
    CliProcess.Result r =
        new CliProcess(dir)
            .run(
                "encrypt",
                "-p",
                "policy.yaml",
                "-c",
                "local.yaml",
                "-k",
                "payments",
                "-i",
                "m.txt",
                "-o",
                "m.env",
                "--audit");
    outputs.add(r);
    assertThat(r.exit()).as(r.stderr()).isZero();
    List<JsonNode> events = new ArrayList<>();
    for (String line : r.stderr().split("\n")) {
      if (line.startsWith("{")) {
        events.add(new ObjectMapper().readTree(line));
      }
    }
    assertThat(events)
        .extracting(e -> e.path("event").asText())
        .containsExactly("policy-reload", "kek-call", "data-key-rollover");
    assertThat(events.get(1).path("identity").asText())
        .isEqualTo("key file " + dir.resolve("dev.key"));
    assertThat(r.stderr()).doesNotContain("audited message");
  }
}
