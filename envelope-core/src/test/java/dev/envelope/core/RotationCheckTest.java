package dev.envelope.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.envelope.core.RotationCheck.Verdict;
import dev.envelope.core.local.TinkKeysetKekProvider;
import dev.envelope.core.spi.KeyRotation;
import java.nio.file.Files;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The policy's {@code rotationPeriod} and each KEK's verdict against it. */
class RotationCheckTest {
  private static final Duration P90D = Duration.ofDays(90);
  private static final Instant NOW = Instant.parse("2026-12-02T00:00:00Z");

  @Test
  void theVerdictFollowsTheServicesScheduleOrTheKeysAge() {
    assertThat(
            RotationCheck.judge(
                    "k", P90D, KeyRotation.automatic(Duration.ofDays(90), null, null, "svc"), NOW)
                .verdict())
        .isEqualTo(Verdict.COMPLIANT);
    RotationCheck yearly =
        RotationCheck.judge(
            "k", P90D, KeyRotation.automatic(Duration.ofDays(365), null, null, "svc"), NOW);
    assertThat(yearly.verdict()).isEqualTo(Verdict.NOT_COMPLIANT);
    assertThat(yearly.reason()).contains("365 days").contains("90 days");
    assertThat(
            RotationCheck.judge(
                    "k", P90D, KeyRotation.manual(NOW.minus(Duration.ofDays(30)), "svc"), NOW)
                .verdict())
        .isEqualTo(Verdict.COMPLIANT);
    RotationCheck old =
        RotationCheck.judge(
            "k", P90D, KeyRotation.manual(NOW.minus(Duration.ofDays(120)), "svc"), NOW);
    assertThat(old.verdict()).isEqualTo(Verdict.NOT_COMPLIANT);
    assertThat(old.reason()).contains("120 days old");
    RotationCheck unknown = RotationCheck.judge("k", P90D, KeyRotation.unknown("denied"), NOW);
    assertThat(unknown.verdict()).isEqualTo(Verdict.UNKNOWN);
    assertThat(unknown.reason()).isEqualTo("denied");
    assertThat(RotationCheck.judge("k", P90D, KeyRotation.manual(null, "svc"), NOW).verdict())
        .isEqualTo(Verdict.UNKNOWN);
  }

  @Test
  void localAndTinkKeksAreJudgedByTheirFilesAge() throws Exception {
    try (Fixture f = new Fixture()) {
      String fresh = f.local("fresh");
      String stale = f.local("stale");
      String tink = f.tink("keyset");
      Files.setLastModifiedTime(
          f.dir.resolve("stale.key"), FileTime.from(Instant.now().minus(Duration.ofDays(200))));
      Files.setLastModifiedTime(
          f.dir.resolve("keyset.json"), FileTime.from(Instant.now().minus(Duration.ofDays(200))));
      KeyPolicy policy =
          KeyPolicy.builder()
              .key("payments", List.of(fresh, stale, tink, "local://missing"), List.of(), 1)
              .rotationPeriod("payments", P90D)
              .build();
      try (Envelope envelope = f.envelope(policy)) {
        List<RotationCheck> checks = envelope.checkRotation("payments");
        assertThat(checks)
            .extracting(RotationCheck::kekUri, RotationCheck::verdict)
            .containsExactly(
                org.assertj.core.groups.Tuple.tuple(fresh, Verdict.COMPLIANT),
                org.assertj.core.groups.Tuple.tuple(stale, Verdict.NOT_COMPLIANT),
                org.assertj.core.groups.Tuple.tuple(tink, Verdict.NOT_COMPLIANT),
                org.assertj.core.groups.Tuple.tuple("local://missing", Verdict.UNKNOWN));
        assertThat(checks.get(1).reason()).contains("200 days old");
        assertThat(checks.get(1).state().evidence()).contains("stale.key");
        assertThat(checks.get(3).reason()).contains("cannot be used here");
      }
      TinkKeysetKekProvider.rotate(f.dir.resolve("keyset.json")); // a new primary: fresh again
      try (Envelope envelope = f.envelope(policy)) {
        assertThat(envelope.checkRotation("payments").get(2).verdict())
            .isEqualTo(Verdict.COMPLIANT);
      }
      try (Envelope none = f.envelope(Fixture.policy("payments", fresh))) {
        assertThat(none.checkRotation("payments")).isEmpty(); // no requirement, nothing judged
      }
    }
  }

  @Test
  void thePolicyStatesItAndItsDigestOnlyChangesWhenItDoes() {
    String plain = "version: 1\nkeys:\n  payments:\n    keks: [local://payments-2025]\n";
    KeyPolicy without = KeyPolicy.parse(plain, "p");
    // The digest every cluster of the rotation drill reported before rotationPeriod existed.
    assertThat(without.digest())
        .isEqualTo("sha256:fd7278f08aa68d97416a3d78dd8b9a94293b293d7b386c062079f472f06fb746");
    KeyPolicy with = KeyPolicy.parse(plain + "    rotationPeriod: P90D\n", "p");
    assertThat(with.key("payments").orElseThrow().rotationPeriod()).contains(P90D);
    assertThat(with.digest()).isNotEqualTo(without.digest());
    assertThat(PolicyCheck.compare(without, with, java.util.Set.of()).findings())
        .extracting(PolicyCheck.Finding::change)
        .containsExactly(PolicyCheck.Change.ROTATION_PERIOD_CHANGED);
  }

  @ParameterizedTest
  @ValueSource(strings = {"90d", "P0D", "P3651D", "-P90D", "\"\"", "90"})
  void anInvalidRotationPeriodIsRefusedNamingTheField(String value) {
    String doc =
        "version: 1\nkeys:\n  payments:\n    keks: [local://a]\n    rotationPeriod: "
            + value
            + "\n";
    assertThatThrownBy(() -> KeyPolicy.parse(doc, "p"))
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessageContaining("keys.payments.rotationPeriod");
  }
}
