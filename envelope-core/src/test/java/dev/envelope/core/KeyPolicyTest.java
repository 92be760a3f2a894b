package dev.envelope.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Key policy and local config parsing: valid documents, and one named test per mistake. */
class KeyPolicyTest {
  private static final String VALID =
      """
      version: 1
      keys:
        payments:
          keks:
            - aws-kms://arn:aws:kms:eu-west-2:111122223333:key/1234abcd
            - local://payments-dev
          decryptOnly:
            - local://payments-old
          minWrap: 1
        orders:
          keks: [tink-keyset://orders]
      """;

  @Test
  void parsesYaml() {
    KeyPolicy policy = KeyPolicy.parse(VALID, "policy.yaml");
    assertThat(policy.keyIds()).containsExactly("payments", "orders");
    LogicalKey payments = policy.key("payments").orElseThrow();
    assertThat(payments.keks())
        .containsExactly(
            "aws-kms://arn:aws:kms:eu-west-2:111122223333:key/1234abcd", "local://payments-dev");
    assertThat(payments.decryptOnly()).containsExactly("local://payments-old");
    assertThat(payments.minWrap()).isEqualTo(1);
    assertThat(policy.key("orders").orElseThrow().minWrap()).as("default: all keks").isEqualTo(1);
    assertThat(policy.key("absent")).isEmpty();
  }

  @Test
  void parsesJson() {
    KeyPolicy policy =
        KeyPolicy.parse(
            "{\"version\": 1, \"keys\": {\"k\": {\"keks\": [\"local://a\", \"local://b\"]}}}",
            "policy.json");
    assertThat(policy.key("k").orElseThrow().minWrap()).isEqualTo(2);
  }

  @Test
  void loadsFromFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("policy.yaml");
    Files.writeString(file, VALID);
    assertThat(KeyPolicy.load(file).source()).isEqualTo(file.toString());
  }

  @Test
  void missingFileFails(@TempDir Path dir) {
    Path file = dir.resolve("nope.yaml");
    assertThatThrownBy(() -> KeyPolicy.load(file))
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessage(file + ": file not found");
  }

  @Test
  void missingVersionFails() {
    assertPolicyError("keys: {k: {keks: [local://a]}}", "version", "missing; write 'version: 1'");
  }

  @Test
  void wrongVersionFails() {
    assertPolicyError(
        "version: 2\nkeys: {k: {keks: [local://a]}}", "version", "must be 1, found 2");
  }

  @Test
  void unknownFieldFails() {
    assertPolicyError(
        "version: 1\nkeys:\n  k:\n    keks: [local://a]\n    rotateEvery: P90D\n",
        "keys.k.rotateEvery",
        "unknown field; allowed here: dataKeyCache, decryptOnly, keks, minWrap, rotationPeriod");
  }

  @Test
  void malformedKekUriFails() {
    assertPolicyError(
        "version: 1\nkeys: {k: {keks: [local://a, 'aws-kms:/oops']}}",
        "keys.k.keks[1]",
        "not a KEK URI");
  }

  @Test
  void duplicateKekFails() {
    assertPolicyError(
        "version: 1\nkeys: {k: {keks: [local://a], decryptOnly: [local://a]}}",
        "keys.k.decryptOnly[0]",
        "listed twice");
  }

  @Test
  void minWrapOutOfRangeFails() {
    assertPolicyError(
        "version: 1\nkeys: {k: {keks: [local://a], minWrap: 2}}",
        "keys.k.minWrap",
        "must be between 1 and the number of keks (1), found 2");
  }

  @Test
  void noKeksFails() {
    assertPolicyError(
        "version: 1\nkeys: {k: {decryptOnly: [local://a]}}",
        "keys.k.keks",
        "must list at least one KEK URI");
  }

  @Test
  void invalidLogicalKeyIdFails() {
    assertPolicyError(
        "version: 1\nkeys: {'bad key': {keks: [local://a]}}",
        "keys.bad key",
        "invalid logical key id");
  }

  @Test
  void noKeysFails() {
    assertPolicyError("version: 1\nkeys: {}", "keys", "must name at least one logical key");
  }

  @Test
  void duplicateYamlKeyFails() {
    assertThatThrownBy(
            () ->
                KeyPolicy.parse(
                    "version: 1\nkeys:\n  k: {keks: [local://a]}\n  k: {keks: [local://b]}\n",
                    "p.yaml"))
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessageContaining("p.yaml: not valid YAML or JSON (line 4")
        .hasMessageContaining("Duplicate field 'k'");
  }

  @Test
  void syntaxErrorNamesLineAndColumn() {
    assertThatThrownBy(() -> KeyPolicy.parse("version: 1\nkeys: [unclosed\n", "p.yaml"))
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessageStartingWith("p.yaml: not valid YAML or JSON (line ");
  }

  @Test
  void emptyDocumentFails() {
    assertThatThrownBy(() -> KeyPolicy.parse("  \n", "p.yaml"))
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessage("p.yaml: the document is empty");
  }

  @Test
  void localConfigParses() {
    LocalConfig config =
        LocalConfig.parse(
            """
        version: 1
        prefer: [aws-kms, local://payments-dev]
        providers:
          local: { dir: /etc/envelope/keys }
          aws-kms: { credentials: web-identity, timeoutMillis: 2000 }
        """,
            "local.yaml");
    assertThat(config.prefer()).containsExactly("aws-kms", "local://payments-dev");
    assertThat(config.settings("local").get("dir")).contains("/etc/envelope/keys");
    assertThat(config.settings("aws-kms").asMap())
        .isEqualTo(Map.of("credentials", "web-identity", "timeoutMillis", "2000"));
    assertThat(config.settings("gcp-kms").asMap()).isEmpty();
    assertThat(config.rank("aws-kms://arn:x")).isZero();
    assertThat(config.rank("local://payments-dev")).isEqualTo(1);
    assertThat(config.rank("local://other")).isEqualTo(2);
  }

  @Test
  void localConfigUnknownFieldFails() {
    assertThatThrownBy(() -> LocalConfig.parse("version: 1\ncredentials: {}\n", "local.yaml"))
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessage(
            "local.yaml: credentials: unknown field; allowed here: decryptCache, kekCircuit,"
                + " policySource, prefer, providers, version, wrapTimeout");
  }

  @Test
  void localConfigNestedSettingFails() {
    assertThatThrownBy(
            () -> LocalConfig.parse("version: 1\nproviders: {local: {dir: [a, b]}}\n", "l.yaml"))
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessage("l.yaml: providers.local.dir: must be a string, number or boolean");
  }

  @Test
  void unknownProviderSettingFailsWhenTheKekIsOpened() {
    LocalConfig config =
        LocalConfig.parse("version: 1\nproviders: {local: {directory: /x}}\n", "l.yaml");
    try (Envelope e =
        Envelope.builder().policy(Fixture.policy("k", "local://a")).localConfig(config).build()) {
      assertThatThrownBy(() -> e.encrypt("k", new byte[1], Map.of()))
          .isInstanceOf(KeyUnavailableException.class)
          .hasMessageContaining("l.yaml: providers.local.directory: unknown setting; allowed: dir");
    }
  }

  private static void assertPolicyError(String yaml, String field, String problem) {
    assertThatThrownBy(() -> KeyPolicy.parse(yaml, "policy.yaml"))
        .isInstanceOfSatisfying(
            InvalidPolicyException.class,
            e -> {
              assertThat(e.source()).isEqualTo("policy.yaml");
              assertThat(e.field()).isEqualTo(field);
            })
        .hasMessageStartingWith("policy.yaml: " + field + ": ")
        .hasMessageContaining(problem);
  }
}
