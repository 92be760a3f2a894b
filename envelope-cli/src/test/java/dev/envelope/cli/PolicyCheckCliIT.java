package dev.envelope.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code envelope policy check} as a real process: exit codes, text and JSON, both forms. */
class PolicyCheckCliIT {
  @TempDir Path dir;

  private Path write(String name, String text) throws Exception {
    return Files.writeString(dir.resolve(name), text);
  }

  private static String plain(String keks, String decryptOnly) {
    return "version: 1\nkeys:\n  payments:\n    keks: ["
        + keks
        + "]\n    decryptOnly: ["
        + decryptOnly
        + "]\n";
  }

  private static String manifest(String keks, String decryptOnly) {
    return "apiVersion: envelope.dev/v1alpha1\nkind: KeyPolicy\nmetadata: {name: shared}\n"
        + "spec:\n  keys:\n    payments:\n      keks: ["
        + keks
        + "]\n      decryptOnly: ["
        + decryptOnly
        + "]\n";
  }

  @Test
  void aSafeStepExitsZeroAndSaysWhatChanged() throws Exception {
    Path v1 = write("v1.yaml", plain("local://old", ""));
    Path v2 = write("v2.yaml", manifest("local://old", "local://new")); // forms can differ
    CliProcess.Result r =
        new CliProcess(dir).run("policy", "check", "--previous", v1.toString(), v2.toString());
    assertThat(r.exit()).as(r.stderr()).isEqualTo(0);
    assertThat(r.stdout())
        .contains("kek-added-decrypt-only")
        .contains("local://new")
        .contains("safe: 1 finding, 0 unsafe");
  }

  @Test
  void anUnsafeStepExitsEightWithWhatToDoInsteadAsTextAndJson() throws Exception {
    Path v1 = write("v1.yaml", plain("local://old", ""));
    Path jump = write("jump.yaml", plain("local://new", ""));
    CliProcess.Result text =
        new CliProcess(dir).run("policy", "check", "--previous", v1.toString(), jump.toString());
    assertThat(text.exit()).isEqualTo(8);
    assertThat(text.stdout())
        .contains("UNSAFE: 2 findings, 2 unsafe")
        .contains("add it to decryptOnly first")
        .contains("demote it to decryptOnly first");

    CliProcess.Result json =
        new CliProcess(dir)
            .run("policy", "check", "--json", "--previous", v1.toString(), jump.toString());
    assertThat(json.exit()).isEqualTo(8);
    JsonNode report = new ObjectMapper().readTree(json.stdout());
    assertThat(report.get("valid").asBoolean()).isTrue();
    assertThat(report.get("safe").asBoolean()).isFalse();
    assertThat(report.get("digest").asText()).startsWith("sha256:");
    assertThat(report.get("findings")).hasSize(2);
    assertThat(report.get("findings").get(0).get("change").asText())
        .isEqualTo("kek-added-wrapping");
    assertThat(report.get("findings").get(0).get("verdict").asText()).isEqualTo("unsafe");
  }

  @Test
  void removalNeedsToBeVouchedFor() throws Exception {
    Path v3 = write("v3.yaml", plain("local://new", "local://old"));
    Path v4 = write("v4.yaml", plain("local://new", ""));
    assertThat(
            new CliProcess(dir)
                .run("policy", "check", "--previous", v3.toString(), v4.toString())
                .exit())
        .isEqualTo(8);
    CliProcess.Result allowed =
        new CliProcess(dir)
            .run(
                "policy",
                "check",
                "--previous",
                v3.toString(),
                v4.toString(),
                "--allow-removal",
                "local://old");
    assertThat(allowed.exit()).isEqualTo(0);
    assertThat(allowed.stdout()).contains("removal allowed");
  }

  @Test
  void anInvalidPolicyExitsSevenNamingTheFieldAndProvidersValidateTheirUris() throws Exception {
    Path bad = write("bad.yaml", plain("local://a", "").replace("decryptOnly: []", "minWrap: 2"));
    CliProcess.Result r = new CliProcess(dir).run("policy", "check", bad.toString());
    assertThat(r.exit()).isEqualTo(7);
    assertThat(r.stderr()).contains("keys.payments.minWrap");

    Path arn = write("arn.yaml", plain("'aws-kms://arn:aws:kms:eu-west-2:1:key/x'", ""));
    CliProcess.Result json = new CliProcess(dir).run("policy", "check", "--json", arn.toString());
    assertThat(json.exit()).isEqualTo(7);
    JsonNode report = new ObjectMapper().readTree(json.stdout());
    assertThat(report.get("valid").asBoolean()).isFalse();
    assertThat(report.get("error").asText()).contains("keys.payments.keks[0]");
  }
}
