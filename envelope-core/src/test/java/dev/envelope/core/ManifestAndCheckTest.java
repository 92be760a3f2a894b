package dev.envelope.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.envelope.core.PolicyCheck.Change;
import dev.envelope.core.PolicyCheck.Finding;
import dev.envelope.core.PolicyCheck.Report;
import dev.envelope.core.PolicyCheck.Verdict;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The manifest form of the policy, its digest, and {@link PolicyCheck}'s rules one by one. */
class ManifestAndCheckTest {
  private static final String PLAIN =
      """
      version: 1
      keys:
        payments:
          keks: [local://p1, local://p2]
          decryptOnly: [local://p0]
          minWrap: 1
        audit:
          keks: [local://a1]
      """;

  private static final String MANIFEST =
      """
      apiVersion: envelope.dev/v1alpha1
      kind: KeyPolicy
      metadata:
        name: shared-keys
        namespace: platform
        labels: {app: envelope}
        resourceVersion: "4711"
      spec:
        keys:
          audit: {keks: [local://a1]}
          payments:
            keks: [local://p1, local://p2]
            decryptOnly: [local://p0]
            minWrap: 1
      """;

  @Test
  void theManifestFormReadsAsThePlainOneAndBothHaveOneDigest() {
    KeyPolicy plain = KeyPolicy.parse(PLAIN, "plain.yaml");
    KeyPolicy manifest = KeyPolicy.parse(MANIFEST, "manifest.yaml");
    assertThat(manifest.name()).contains("shared-keys");
    assertThat(plain.name()).isEmpty();
    assertThat(manifest.key("payments")).isEqualTo(plain.key("payments"));
    assertThat(manifest.digest()).isEqualTo(plain.digest()).matches("sha256:[0-9a-f]{64}");
    assertThat(manifest).isEqualTo(plain);
    // spec.version may be given, and must then be 1
    assertThat(KeyPolicy.parse(MANIFEST.replace("spec:\n", "spec:\n  version: 1\n"), "m"))
        .isEqualTo(plain);
  }

  @Test
  void theDigestChangesWithEverySettingThatMatters() {
    String base = KeyPolicy.parse(PLAIN, "p").digest();
    for (String changed :
        List.of(
            PLAIN.replace("keks: [local://p1, local://p2]", "keks: [local://p2, local://p1]"),
            PLAIN.replace("minWrap: 1", "minWrap: 2"),
            PLAIN.replace("decryptOnly: [local://p0]", "decryptOnly: []"),
            PLAIN.replace("minWrap: 1", "minWrap: 1\n    dataKeyCache: {maxMessages: 5}"),
            PLAIN.replace("local://a1", "local://a2"))) {
      assertThat(KeyPolicy.parse(changed, "p").digest()).as(changed).isNotEqualTo(base);
    }
    // Defaults written out or left out: the same policy
    assertThat(
            KeyPolicy.parse(
                    PLAIN.replace(
                        "minWrap: 1",
                        "minWrap: 1\n    dataKeyCache: {maxAge: PT5M, maxMessages: 1000000}"),
                    "p")
                .digest())
        .isEqualTo(base);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "apiVersion: envelope.dev/v2|apiVersion|must be envelope.dev/v1alpha1",
        "kind: Policy|kind|must be KeyPolicy",
        "metadata: {name: Shared_Keys}|metadata.name|Kubernetes resource name",
        "metadata: {}|metadata.name|Kubernetes resource name",
        "metadata: 3|metadata|must be a mapping",
        "spec: {version: 2, keys: {a: {keks: [local://a]}}}|spec.version|must be 1",
        "spec: {keys: {}}|spec.keys|at least one logical key",
        "spec: {keys: {a: {keks: []}}}|spec.keys.a.keks|at least one KEK",
        "spec: {keys: {a: {keks: [local://a]}}, extra: 1}|spec.extra|unknown field",
        "owner: me|owner|unknown field"
      })
  void eachManifestRuleFailsTypedNamingTheField(String change, String field, String message) {
    String base =
        "apiVersion: envelope.dev/v1alpha1\nkind: KeyPolicy\nmetadata: {name: k}\n"
            + "spec: {keys: {a: {keks: [local://a]}}}\n";
    String top = change.substring(0, change.indexOf(':'));
    String doc =
        base.contains(top + ":")
            ? base.replaceAll(
                "(?m)^" + top + ":.*$", java.util.regex.Matcher.quoteReplacement(change))
            : base + change + "\n";
    assertThatThrownBy(() -> KeyPolicy.parse(doc, "m.yaml"))
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessageContaining(message)
        .extracting(e -> ((InvalidPolicyException) e).field())
        .isEqualTo(field);
  }

  private static KeyPolicy p(List<String> keks, List<String> decryptOnly) {
    return KeyPolicy.builder().key("payments", keks, decryptOnly).build();
  }

  private static List<String> summary(Report r) {
    return r.findings().stream()
        .map(f -> f.change() + " " + f.kek().orElse("-") + " " + f.verdict())
        .toList();
  }

  @Test
  void aFullRotationIsSafeStepByStep() {
    KeyPolicy v1 = p(List.of("local://old"), List.of());
    KeyPolicy v2 = p(List.of("local://old"), List.of("local://new"));
    KeyPolicy v3 = p(List.of("local://new"), List.of("local://old"));
    KeyPolicy v4 = p(List.of("local://new"), List.of());
    assertThat(summary(PolicyCheck.compare(v1, v2, Set.of())))
        .containsExactly("KEK_ADDED_DECRYPT_ONLY local://new SAFE");
    assertThat(summary(PolicyCheck.compare(v2, v3, Set.of())))
        .containsExactly("KEK_PROMOTED local://new SAFE", "KEK_DEMOTED local://old SAFE");
    Report retire = PolicyCheck.compare(v3, v4, Set.of());
    assertThat(summary(retire)).containsExactly("KEK_REMOVED local://old UNSAFE");
    assertThat(retire.safe()).isFalse();
    assertThat(retire.findings().get(0).message()).contains("--allow-removal local://old");
    assertThat(PolicyCheck.compare(v3, v4, Set.of("local://old")).safe()).isTrue();
    assertThat(PolicyCheck.compare(v1, v1, Set.of()).findings())
        .extracting(Finding::change)
        .containsExactly(Change.KEY_UNCHANGED);
  }

  @Test
  void skippingAStepIsUnsafeWithWhatToDoInstead() {
    KeyPolicy v1 = p(List.of("local://old"), List.of());
    Report jump = PolicyCheck.compare(v1, p(List.of("local://new"), List.of()), Set.of());
    assertThat(summary(jump))
        .containsExactly("KEK_ADDED_WRAPPING local://new UNSAFE", "KEK_REMOVED local://old UNSAFE");
    assertThat(jump.findings().get(0).message()).contains("add it to decryptOnly first");
    assertThat(jump.findings().get(1).message()).contains("demote it to decryptOnly first");
    // vouching for the removal of a KEK that still wraps does not make it safe
    assertThat(
            PolicyCheck.compare(v1, p(List.of("local://new"), List.of()), Set.of("local://old"))
                .findings()
                .get(1)
                .verdict())
        .isEqualTo(Verdict.UNSAFE);
    // a second wrapping KEK added directly is unsafe too
    assertThat(
            summary(
                PolicyCheck.compare(
                    v1, p(List.of("local://old", "local://new"), List.of()), Set.of())))
        .containsExactly("KEK_ADDED_WRAPPING local://new UNSAFE", "MIN_WRAP_CHANGED - SAFE");
  }

  @Test
  void logicalKeysAddedAndRemoved() {
    KeyPolicy one = KeyPolicy.builder().key("a", List.of("local://a"), List.of()).build();
    KeyPolicy two =
        KeyPolicy.builder()
            .key("a", List.of("local://a"), List.of())
            .key("b", List.of("local://b"), List.of())
            .build();
    assertThat(summary(PolicyCheck.compare(one, two, Set.of())))
        .containsExactly("KEY_UNCHANGED - SAFE", "KEY_ADDED - SAFE");
    assertThat(PolicyCheck.compare(two, one, Set.of()).safe()).isFalse();
    assertThat(PolicyCheck.compare(two, one, Set.of("b")).safe()).isTrue();
    assertThat(summary(PolicyCheck.compare(null, one, Set.of())))
        .containsExactly("KEY_ADDED - SAFE");
  }

  @Test
  void settingsAndOrderChangesAreSafeAndNamed() {
    KeyPolicy before =
        KeyPolicy.builder().key("k", List.of("local://a", "local://b"), List.of(), 2).build();
    KeyPolicy after =
        KeyPolicy.builder()
            .key(
                "k",
                List.of("local://b", "local://a"),
                List.of(),
                1,
                new DataKeyCacheLimits(java.time.Duration.ofMinutes(1), 10, 1000))
            .build();
    assertThat(PolicyCheck.compare(before, after, Set.of()).findings())
        .extracting(Finding::change)
        .containsExactly(
            Change.KEK_REORDERED, Change.MIN_WRAP_CHANGED, Change.DATA_KEY_CACHE_CHANGED);
  }
}
