package dev.envelope.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.envelope.core.spi.KekDescription;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link Envelope#diagnose}: per-KEK findings, per-key verdicts, the deadline. */
class DiagnoseTest {
  private Fixture fixture;

  @BeforeEach
  void setUp() {
    fixture = new Fixture();
    MemoryKekProvider.reset();
  }

  @AfterEach
  void tearDown() {
    fixture.close();
  }

  private Envelope open(KeyPolicy policy) {
    return Envelope.builder()
        .policy(policy)
        .localConfig(fixture.config())
        .provider(new MemoryKekProvider())
        .build();
  }

  @Test
  void aHealthyKeyFileKekIsDescribedProbedAndJudged() throws Exception {
    String kek = fixture.local("k");
    KeyPolicy policy =
        KeyPolicy.builder()
            .key("payments", List.of(kek), List.of())
            .rotationPeriod("payments", Duration.ofDays(90))
            .build();
    try (Envelope e = open(policy)) {
      Diagnosis d = e.diagnose(null, Duration.ofSeconds(5));
      assertThat(d.verdict()).isEqualTo(Diagnosis.Verdict.HEALTHY);
      assertThat(d.policyDigest()).isEqualTo(policy.digest());
      Diagnosis.KekHealth h = d.kek(kek).orElseThrow();
      assertThat(h.providerPresent()).isTrue();
      assertThat(h.reachable()).isTrue();
      assertThat(h.check().canWrap()).isTrue();
      assertThat(h.check().canUnwrap()).isTrue();
      assertThat(h.wrapLatency()).isPositive();
      assertThat(h.unwrapLatency()).isPositive();
      assertThat(h.timedOut()).isFalse();
      KekDescription desc = h.description();
      assertThat(desc.identity())
          .isEqualTo("AES-256 key file " + fixture.dir.resolve("k.key").toAbsolutePath());
      assertThat(desc.identityConfirmed()).isTrue();
      assertThat(desc.keyState()).isEqualTo(KekDescription.KeyState.ENABLED);
      assertThat(desc.details())
          .containsEntry("permissions", "rw-------")
          .containsEntry("bytes", "32");
      assertThat(desc.problems()).isEmpty();
      assertThat(h.rotation())
          .singleElement()
          .satisfies(r -> assertThat(r.verdict()).isEqualTo(RotationCheck.Verdict.COMPLIANT));
      assertThat(d.key("payments").orElseThrow())
          .isEqualTo(new Diagnosis.KeyHealth("payments", 1, 1, true, true, List.of()));
    }
  }

  @Test
  void aKeyFileReadableByOthersIsAProblemButStillWorks() throws Exception {
    String kek = fixture.local("k");
    Files.setPosixFilePermissions(
        fixture.dir.resolve("k.key"), PosixFilePermissions.fromString("rw-r--r--"));
    try (Envelope e = open(Fixture.policy("payments", kek))) {
      Diagnosis.KekHealth h = e.diagnose("payments", Duration.ofSeconds(5)).kek(kek).orElseThrow();
      assertThat(h.description().problems())
          .singleElement()
          .asString()
          .contains("readable by group or others");
      assertThat(h.check().canUnwrap()).isTrue();
    }
  }

  @Test
  void aMissingProviderIsMisconfiguredAndTheOthersAreStillChecked() {
    String kek = fixture.local("k");
    KeyPolicy policy =
        Fixture.policy(
            "payments",
            List.of(kek),
            List.of(
                "aws-kms://arn:aws:kms:eu-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"));
    try (Envelope e = open(policy)) {
      Diagnosis d = e.diagnose(null, Duration.ofSeconds(5));
      assertThat(d.verdict()).isEqualTo(Diagnosis.Verdict.MISCONFIGURED);
      Diagnosis.KekHealth aws = d.keks().get(1);
      assertThat(aws.providerPresent()).isFalse();
      assertThat(aws.check().problem()).contains("no KEK provider for scheme 'aws-kms'");
      assertThat(d.kek(kek).orElseThrow().check().canUnwrap()).isTrue();
      assertThat(d.key("payments").orElseThrow().canOpen()).isTrue();
    }
  }

  @Test
  void aMissingKeyFileCannotSealOrOpen() throws Exception {
    String kek = fixture.local("k");
    Files.delete(fixture.dir.resolve("k.key"));
    try (Envelope e = open(Fixture.policy("payments", kek))) {
      Diagnosis d = e.diagnose(null, Duration.ofSeconds(5));
      assertThat(d.verdict()).isEqualTo(Diagnosis.Verdict.CANNOT_OPEN);
      Diagnosis.KekHealth h = d.kek(kek).orElseThrow();
      assertThat(h.check().canWrap()).isFalse();
      assertThat(h.check().problem()).startsWith("KeyUnavailableException");
      assertThat(h.description().problems()).singleElement().asString().contains("does not exist");
      assertThat(d.key("payments").orElseThrow().problems())
          .containsExactly(
              "cannot seal: 0 of 1 KEKs wrap here, minWrap is 1",
              "cannot open: none of its 1 KEKs unwraps here (a seal-only cluster expects this)");
    }
  }

  @Test
  void aKekThatOnlyWrapsLeavesTheKeyUnableToOpen() {
    MemoryKekProvider.UNWRAP_FAILURES.put(
        "memory://a", () -> new KeyUnavailableException("memory: no private key here", false));
    try (Envelope e = open(Fixture.policy("payments", "memory://a"))) {
      Diagnosis d = e.diagnose(null, Duration.ofSeconds(5));
      assertThat(d.verdict()).isEqualTo(Diagnosis.Verdict.CANNOT_OPEN);
      Diagnosis.KekHealth h = d.kek("memory://a").orElseThrow();
      assertThat(h.check().canWrap()).isTrue();
      assertThat(h.check().canUnwrap()).isFalse();
      assertThat(h.unwrapLatency()).isNull();
    }
  }

  @Test
  void minWrapDecidesSealing() {
    String good = fixture.local("good");
    MemoryKekProvider.WRAP_DELAY_MILLIS.put("memory://slow", 10_000L);
    KeyPolicy policy =
        KeyPolicy.builder().key("payments", List.of(good, "memory://slow"), List.of(), 2).build();
    try (Envelope e = open(policy)) {
      long start = System.nanoTime();
      Diagnosis d = e.diagnose(null, Duration.ofMillis(500));
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      // The hanging KEK costs the deadline once, not its 10 s.
      assertThat(took).isLessThan(Duration.ofSeconds(3));
      Diagnosis.KekHealth slow = d.kek("memory://slow").orElseThrow();
      assertThat(slow.timedOut()).isTrue();
      assertThat(slow.reachable()).isFalse();
      assertThat(slow.check().problem())
          .isEqualTo("no answer within the deadline of PT0.5S while wrapping a probe data key");
      assertThat(d.verdict()).isEqualTo(Diagnosis.Verdict.CANNOT_SEAL);
      assertThat(d.key("payments").orElseThrow().wrapping()).isEqualTo(1);
    }
  }

  @Test
  void oneKeyOnlyAndBadArguments() {
    KeyPolicy policy =
        KeyPolicy.builder()
            .key("a", List.of(fixture.local("a")), List.of())
            .key("b", List.of(fixture.local("b")), List.of())
            .build();
    try (Envelope e = open(policy)) {
      assertThat(e.diagnose("b", Duration.ofSeconds(5)).keys())
          .extracting(Diagnosis.KeyHealth::id)
          .containsExactly("b");
      assertThat(e.diagnose(null, Duration.ofSeconds(5)).keys()).hasSize(2);
      assertThatThrownBy(() -> e.diagnose("c", Duration.ofSeconds(5)))
          .isInstanceOf(KeyUnavailableException.class);
      assertThatThrownBy(() -> e.diagnose("a", Duration.ZERO))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
