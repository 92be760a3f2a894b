package dev.envelope.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.envelope.core.Envelope;
import dev.envelope.core.EnvelopeInfo;
import dev.envelope.core.KeyPolicy;
import dev.envelope.core.LocalConfig;
import dev.envelope.core.local.LocalKekProvider;
import dev.envelope.testing.aws.AwsIdentities;
import dev.envelope.testing.aws.FakeAwsKms;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code envelope scan} and {@code envelope rewrap --recursive} as real processes on real
 * directories: the inventory, resuming, dry runs, KMS call counts against the AWS KMS fake, and a
 * {@code kill -9} in the middle of a bulk rewrap.
 */
class BulkRewrapIT {
  @TempDir Path dir;
  private Path data;

  @BeforeEach
  void keys() throws Exception {
    Files.createDirectories(dir.resolve("keys"));
    LocalKekProvider.generate(dir.resolve("keys/old.key"));
    LocalKekProvider.generate(dir.resolve("keys/new.key"));
    Files.writeString(dir.resolve("local.yaml"), "version: 1\nproviders:\n  local: {dir: keys}\n");
    Files.writeString(
        dir.resolve("old.yaml"), "version: 1\nkeys:\n  payments:\n    keks: [local://old]\n");
    Files.writeString(
        dir.resolve("rotated.yaml"),
        "version: 1\nkeys:\n  payments:\n    keks: [local://new]\n    decryptOnly: [local://old]\n");
    data = Files.createDirectories(dir.resolve("data/a/b"));
  }

  /** {@code n} envelopes under one data key (one facade, as an application writes them). */
  private void write(int n, String policyFile) throws Exception {
    try (Envelope envelope =
        Envelope.builder()
            .policy(KeyPolicy.load(dir.resolve(policyFile)))
            .localConfig(
                LocalConfig.builder()
                    .provider("local", Map.of("dir", dir.resolve("keys").toString()))
                    .build())
            .build()) {
      for (int i = 0; i < n; i++) {
        Path sub = i % 2 == 0 ? data : data.getParent();
        Files.write(
            sub.resolve(i + ".env"),
            envelope.encrypt("payments", ("record " + i).getBytes(), Map.of("n", "" + i)));
      }
    }
  }

  private CliProcess cli() {
    return new CliProcess(dir);
  }

  @Test
  void scanCountsByKeyKekAndStandingAndFailsOnStaleForCi() throws Exception {
    write(20, "old.yaml");
    Files.writeString(data.resolve("notes.txt"), "not an envelope");
    Files.write(data.resolve("cut.env"), new byte[] {'E', 'N', 'V', 1, (byte) 0xff});
    CliProcess.Result table = cli().run("scan", "-p", "rotated.yaml", "data");
    assertThat(table.exit()).as(table.stderr()).isZero();
    assertThat(table.stdout())
        .contains("scanned 22 files")
        .containsPattern("payments\\s+local://old\\s+needs-rewrap\\s+20")
        .contains("not-an-envelope 1")
        .contains("malformed 1");

    CliProcess.Result json = cli().run("scan", "-p", "rotated.yaml", "--json", "data");
    JsonNode report = new ObjectMapper().readTree(json.stdout());
    assertThat(report.get("files").asInt()).isEqualTo(22);
    assertThat(report.at("/totals/needs-rewrap/envelopes").asInt()).isEqualTo(20);
    assertThat(report.at("/totals/current/envelopes").asInt()).isZero();

    assertThat(cli().run("scan", "-p", "rotated.yaml", "--fail-on-stale", "data").exit())
        .isEqualTo(9);
    assertThat(cli().run("scan", "-p", "old.yaml", "--fail-on-stale", "data").exit()).isZero();
    // A policy that no longer names the envelopes' KEK: not openable, also stale.
    Files.writeString(
        dir.resolve("gone.yaml"), "version: 1\nkeys:\n  payments:\n    keks: [local://new]\n");
    CliProcess.Result gone = cli().run("scan", "-p", "gone.yaml", "--fail-on-stale", "data");
    assertThat(gone.exit()).isEqualTo(9);
    assertThat(gone.stdout()).contains("not-openable 20");
  }

  @Test
  void rewrapRecursiveSkipsWhatIsCurrentHonoursDryRunAndResumes() throws Exception {
    write(30, "old.yaml");
    Files.writeString(data.resolve("notes.txt"), "not an envelope");
    byte[] before = Files.readAllBytes(data.resolve("0.env"));
    CliProcess.Result dry =
        cli().run("rewrap", "-p", "rotated.yaml", "-c", "local.yaml", "-r", "--dry-run", "data");
    assertThat(dry.exit()).as(dry.stderr()).isZero();
    assertThat(dry.stdout()).contains("30 of 31 files would be rewrapped");
    assertThat(Files.readAllBytes(data.resolve("0.env"))).isEqualTo(before);

    CliProcess.Result run =
        cli().run("rewrap", "-p", "rotated.yaml", "-c", "local.yaml", "-r", "--jobs", "3", "data");
    assertThat(run.exit()).as(run.stderr()).isZero();
    assertThat(run.stdout())
        .contains("30 of 31 files rewrapped; 30 referenced decrypt-only KEKs")
        .contains("0 already current, 1 not envelopes, 0 failed");
    CliProcess.Result again =
        cli().run("rewrap", "-p", "rotated.yaml", "-c", "local.yaml", "-r", "data");
    assertThat(again.stdout()).contains("0 of 31 files rewrapped").contains("30 already current");
    assertThat(cli().run("scan", "-p", "rotated.yaml", "--fail-on-stale", "data").exit()).isZero();
    assertThat(Files.readString(data.resolve("notes.txt"))).isEqualTo("not an envelope");
    // a directory without --recursive is a usage error
    assertThat(cli().run("rewrap", "-p", "rotated.yaml", "-c", "local.yaml", "data").exit())
        .isEqualTo(2);
  }

  /**
   * 300 envelopes sharing one data key, rewrapped twice through AWS KMS: each rewrap costs one
   * Encrypt under the new KMS key and, once the envelopes are under KMS, one Decrypt — not 300.
   */
  @Test
  void envelopesSharingADataKeyCostOneKmsCallPerKekNotOnePerFile() throws Exception {
    write(300, "old.yaml");
    AwsIdentities identities = new AwsIdentities();
    try (FakeAwsKms kms = new FakeAwsKms(identities)) {
      AwsIdentities.Credentials user = identities.addUser("cli");
      String k1 = kms.createSymmetricKey("eu-west-2");
      String k2 = kms.createSymmetricKey("eu-west-2");
      Files.writeString(
          dir.resolve("kms.yaml"),
          "version: 1\nproviders:\n  local: {dir: keys}\n  aws-kms:\n    credentials: static\n"
              + "    endpoint: "
              + kms.endpoint()
              + "\n");
      Files.writeString(
          dir.resolve("to-k1.yaml"),
          "version: 1\nkeys:\n  payments:\n    keks: ['aws-kms://"
              + k1
              + "']\n"
              + "    decryptOnly: [local://old]\n");
      Files.writeString(
          dir.resolve("to-k2.yaml"),
          "version: 1\nkeys:\n  payments:\n    keks: ['aws-kms://"
              + k2
              + "']\n"
              + "    decryptOnly: ['aws-kms://"
              + k1
              + "']\n");
      CliProcess aws =
          cli()
              .env("AWS_ACCESS_KEY_ID", user.accessKeyId())
              .env("AWS_SECRET_ACCESS_KEY", user.secretAccessKey());
      CliProcess.Result first =
          aws.run("rewrap", "-p", "to-k1.yaml", "-c", "kms.yaml", "-r", "--jobs", "4", "data");
      assertThat(first.exit()).as(first.stderr()).isZero();
      assertThat(first.stdout()).contains("300 of 300 files rewrapped");
      assertThat(kms.succeeded("Encrypt")).isEqualTo(1);
      assertThat(kms.succeeded("Decrypt")).isZero();

      kms.clearCalls();
      CliProcess.Result second =
          aws.run("rewrap", "-p", "to-k2.yaml", "-c", "kms.yaml", "-r", "--jobs", "4", "data");
      assertThat(second.exit()).as(second.stderr()).isZero();
      assertThat(second.stdout()).contains("300 of 300 files rewrapped");
      assertThat(kms.succeeded("Decrypt")).isEqualTo(1);
      assertThat(kms.succeeded("Encrypt")).isEqualTo(1);
    }
  }

  /**
   * {@code kill -9} in the middle of a bulk rewrap: every file is then either the old envelope or
   * the new one, and opens; running again finishes the job and leaves no temporary file.
   */
  @Test
  void aKillNineLeavesEveryFileOldOrNewAndOpenableAndTheNextRunFinishes() throws Exception {
    int n = 3000;
    write(n, "old.yaml");
    List<String> command =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-jar",
            System.getProperty("envelope.jar"),
            "rewrap",
            "-p",
            "rotated.yaml",
            "-c",
            "local.yaml",
            "-r",
            "--jobs",
            "4",
            "data");
    Process p =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (current(n) < 200) { // let it get well into the run
      assertThat(System.nanoTime()).as("rewrap made no progress").isLessThan(deadline);
      assertThat(p.isAlive()).as("rewrap finished before it could be killed").isTrue();
      Thread.sleep(10);
    }
    p.destroyForcibly(); // SIGKILL
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();

    KeyPolicy rotated = KeyPolicy.load(dir.resolve("rotated.yaml"));
    int oldOnes = 0;
    int newOnes = 0;
    try (Envelope envelope =
        Envelope.builder()
            .policy(rotated)
            .localConfig(
                LocalConfig.builder()
                    .provider("local", Map.of("dir", dir.resolve("keys").toString()))
                    .build())
            .build()) {
      for (int i = 0; i < n; i++) {
        Path file = (i % 2 == 0 ? data : data.getParent()).resolve(i + ".env");
        byte[] bytes = Files.readAllBytes(file);
        EnvelopeInfo.Standing s = Envelope.inspect(bytes, rotated).standing();
        if (s == EnvelopeInfo.Standing.CURRENT) {
          newOnes++;
        } else {
          assertThat(s).isEqualTo(EnvelopeInfo.Standing.NEEDS_REWRAP);
          oldOnes++;
        }
        assertThat(envelope.decrypt(bytes, Map.of("n", "" + i)))
            .asString()
            .isEqualTo("record " + i);
      }
    }
    assertThat(newOnes).isGreaterThanOrEqualTo(200);
    assertThat(oldOnes).as("the kill came before the end").isPositive();

    CliProcess.Result resumed =
        cli().run("rewrap", "-p", "rotated.yaml", "-c", "local.yaml", "-r", "data");
    assertThat(resumed.exit()).as(resumed.stderr()).isZero();
    assertThat(resumed.stdout())
        .contains(oldOnes + " of " + n + " files rewrapped")
        .contains(newOnes + " already current");
    assertThat(cli().run("scan", "-p", "rotated.yaml", "--fail-on-stale", "data").exit()).isZero();
    assertThat(temporaryFiles()).as("temporary files of the killed run").isEmpty();
  }

  @Test
  void scanWithRotationJudgesEachWrappingKekAndCanFailCi() throws Exception {
    write(3, "old.yaml");
    Files.writeString(
        dir.resolve("rotating.yaml"),
        "version: 1\nkeys:\n  payments:\n    keks: [local://old]\n    rotationPeriod: P90D\n");
    Files.setLastModifiedTime(
        dir.resolve("keys/old.key"),
        java.nio.file.attribute.FileTime.from(
            java.time.Instant.now().minus(java.time.Duration.ofDays(120))));
    CliProcess.Result r =
        cli()
            .run(
                "scan",
                "-p",
                "rotating.yaml",
                "-c",
                "local.yaml",
                "--rotation",
                "--fail-on-noncompliant",
                "data");
    assertThat(r.exit()).as(r.stderr()).isEqualTo(9);
    assertThat(r.stdout())
        .contains("payments  local://old  P90D  not-compliant: no automatic rotation")
        .contains("120 days old");
    CliProcess.Result json =
        cli()
            .run("scan", "-p", "rotating.yaml", "-c", "local.yaml", "--rotation", "--json", "data");
    assertThat(json.exit()).isZero();
    JsonNode rotation = new ObjectMapper().readTree(json.stdout()).get("rotation").get(0);
    assertThat(rotation.get("verdict").asText()).isEqualTo("not-compliant");
    assertThat(rotation.get("required").asText()).isEqualTo("P90D");
    assertThat(rotation.get("evidence").asText()).contains("old.key");
  }

  /** How many of the envelopes written by {@link #write} name local://new's reference now. */
  private int current(int n) {
    String ref = EnvelopeInfo.kekReference("local://new");
    int count = 0;
    for (int i = 0; i < n; i++) {
      Path file = (i % 2 == 0 ? data : data.getParent()).resolve(i + ".env");
      try {
        EnvelopeInfo info = Envelope.inspect(file, null);
        if (info.recipients().stream().anyMatch(r -> r.kekReference().equals(ref))) {
          count++;
        }
      } catch (RuntimeException e) {
        // being replaced this very moment: counted next round
      }
    }
    return count;
  }

  private List<Path> temporaryFiles() throws Exception {
    List<Path> out = new ArrayList<>();
    try (Stream<Path> files = Files.walk(dir.resolve("data"))) {
      files.filter(f -> f.getFileName().toString().endsWith(".envelope-tmp")).forEach(out::add);
    }
    return out;
  }
}
