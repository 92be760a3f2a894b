package dev.envelope.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.envelope.testing.aws.AwsIdentities;
import dev.envelope.testing.aws.FakeAwsKms;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI with an AWS KMS KEK: the jar finds the aws-kms provider and talks to a loopback KMS. */
class AwsKmsCliIT {
  @TempDir Path dir;
  private FakeAwsKms kms;
  private AwsIdentities.Credentials user;
  private String key;

  @BeforeEach
  void start() throws Exception {
    AwsIdentities identities = new AwsIdentities();
    kms = new FakeAwsKms(identities);
    user = identities.addUser("cli");
    key = kms.createSymmetricKey("eu-west-2");
    Files.writeString(
        dir.resolve("policy.yaml"),
        "version: 1\nkeys:\n  payments:\n    keks: ['aws-kms://" + key + "']\n");
    Files.writeString(
        dir.resolve("local.yaml"),
        "version: 1\nproviders:\n  aws-kms:\n"
            + "    credentials: static\n    endpoint: "
            + kms.endpoint()
            + "\n");
    Files.writeString(dir.resolve("message.txt"), "sealed under AWS KMS\n");
  }

  @AfterEach
  void stop() {
    kms.close();
  }

  private CliProcess cli() {
    return new CliProcess(dir)
        .env("AWS_ACCESS_KEY_ID", user.accessKeyId())
        .env("AWS_SECRET_ACCESS_KEY", user.secretAccessKey());
  }

  @Test
  void encryptsAndDecryptsThroughKms() throws Exception {
    CliProcess.Result enc =
        cli()
            .run(
                "encrypt",
                "-p",
                "policy.yaml",
                "-c",
                "local.yaml",
                "-k",
                "payments",
                "-i",
                "message.txt",
                "-o",
                "message.env");
    assertThat(enc.exit()).as(enc.stderr()).isZero();
    CliProcess.Result dec =
        cli().run("decrypt", "-p", "policy.yaml", "-c", "local.yaml", "-i", "message.env");
    assertThat(dec.exit()).as(dec.stderr()).isZero();
    assertThat(dec.stdout()).isEqualTo("sealed under AWS KMS\n");
    assertThat(kms.succeeded("Encrypt")).isEqualTo(1);
    assertThat(kms.succeeded("Decrypt")).isEqualTo(1);

    kms.setEnabled(key, false);
    CliProcess.Result disabled =
        new CliProcess(dir)
            .env("AWS_ACCESS_KEY_ID", user.accessKeyId())
            .env("AWS_SECRET_ACCESS_KEY", user.secretAccessKey())
            .run("decrypt", "-p", "policy.yaml", "-c", "local.yaml", "-i", "message.env");
    assertThat(disabled.exit()).isNotZero();
    assertThat(disabled.stderr()).contains("Disabled").doesNotContain(user.secretAccessKey());
  }
}
