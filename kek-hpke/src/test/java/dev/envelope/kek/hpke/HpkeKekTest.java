package dev.envelope.kek.hpke;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.envelope.core.AuthenticationException;
import dev.envelope.core.Envelope;
import dev.envelope.core.EnvelopeInfo;
import dev.envelope.core.InvalidPolicyException;
import dev.envelope.core.KeyPolicy;
import dev.envelope.core.KeyUnavailableException;
import dev.envelope.core.LocalConfig;
import dev.envelope.core.spi.Kek;
import dev.envelope.core.spi.ProviderSettings;
import dev.envelope.core.spi.SecretBytes;
import dev.envelope.core.spi.WrapAlgorithm;
import dev.envelope.core.spi.WrapContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code hpke://} KEKs through the SPI and the core API, for both suites. */
class HpkeKekTest {
  private static final WrapContext PAYMENTS = new WrapContext("payments");

  @TempDir Path dir;

  private static SecretBytes randomDek() {
    byte[] dek = new byte[32];
    new SecureRandom().nextBytes(dek);
    return SecretBytes.adopt(dek);
  }

  private static Kek open(String uri, Path keys) {
    return new HpkeKekProvider()
        .open(uri, new ProviderSettings("test", "hpke", Map.of("dir", keys.toString())));
  }

  private static String policy(String... keks) {
    return "version: 1\nkeys:\n  payments:\n    keks: ['" + String.join("', '", keks) + "']\n";
  }

  @ParameterizedTest
  @ValueSource(strings = {"x25519", "xwing"})
  void wrapsWithThePublicKeyAloneAndUnwrapsWithThePrivateKey(String suite) throws Exception {
    HpkeKekProvider.Generated key = HpkeKekProvider.generate(suite, dir);
    assertThat(Files.getPosixFilePermissions(key.privateKeyFile()))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(Files.readString(key.publicKeyFile()).strip()).isEqualTo(key.uri());
    assertThat(key.privateKeyFile().getFileName().toString()).isEqualTo(key.fingerprint() + ".key");

    Path elsewhere = Files.createDirectory(dir.resolve("no-private-keys"));
    try (Kek sealer = open(key.uri(), elsewhere);
        Kek opener = open(key.uri(), dir)) {
      assertThat(sealer.isAsymmetric()).isTrue();
      SecretBytes dek = randomDek();
      byte[] wrapped = sealer.wrap(dek, PAYMENTS);
      // Overhead per recipient: enc (32 for X25519, 1120 for X-Wing) + 32-byte DEK + 16-byte tag.
      assertThat(wrapped).hasSize((suite.equals("x25519") ? 32 : 1120) + 48);
      assertThat(sealer.wrap(dek, PAYMENTS))
          .as("fresh encapsulation each time")
          .isNotEqualTo(wrapped);
      assertThat(opener.unwrap(wrapped, PAYMENTS).toByteArray()).isEqualTo(dek.toByteArray());
      assertThatThrownBy(() -> sealer.unwrap(wrapped, PAYMENTS))
          .isInstanceOfSatisfying(
              KeyUnavailableException.class, e -> assertThat(e.retryable()).isFalse())
          .hasMessageContaining("no private key")
          .hasMessageContaining(key.fingerprint() + ".key");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"x25519", "xwing"})
  void anyChangeOrAnotherContextOrKeyIsAnAuthenticationError(String suite) throws Exception {
    HpkeKekProvider.Generated key = HpkeKekProvider.generate(suite, dir);
    HpkeKekProvider.Generated other = HpkeKekProvider.generate(suite, dir);
    try (Kek kek = open(key.uri(), dir);
        Kek otherKek = open(other.uri(), dir)) {
      byte[] wrapped = kek.wrap(randomDek(), PAYMENTS);
      assertThatThrownBy(() -> kek.unwrap(wrapped, new WrapContext("orders")))
          .isInstanceOf(AuthenticationException.class);
      assertThatThrownBy(() -> otherKek.unwrap(wrapped, PAYMENTS))
          .isInstanceOf(AuthenticationException.class);
      SecureRandom random = new SecureRandom();
      for (int i = 0; i < 40; i++) {
        byte[] changed = wrapped.clone();
        // Encapsulation and ciphertext alike: ML-KEM's implicit rejection and X25519 both end in
        // a wrong key and a failed tag.
        changed[random.nextInt(changed.length)] ^= (byte) (1 + random.nextInt(255));
        assertThatThrownBy(() -> kek.unwrap(changed, PAYMENTS))
            .isInstanceOf(AuthenticationException.class);
      }
      assertThatThrownBy(() -> kek.unwrap(Arrays.copyOf(wrapped, wrapped.length - 1), PAYMENTS))
          .isInstanceOf(AuthenticationException.class)
          .hasMessageContaining("bytes");
      assertThatThrownBy(() -> kek.unwrap(new byte[wrapped.length], PAYMENTS))
          .as("an all-zero X25519 share is a low-order point")
          .isInstanceOf(AuthenticationException.class);
    }
  }

  @Property(tries = 30)
  void truncatedOrExtendedWrapsAreTypedErrors(@ForAll @IntRange(min = 0, max = 1300) int length)
      throws Exception {
    Path keys = Files.createTempDirectory("hpke-prop");
    HpkeKekProvider.Generated key = HpkeKekProvider.generate("x25519", keys);
    try (Kek kek = open(key.uri(), keys)) {
      byte[] bytes = new byte[length];
      new SecureRandom().nextBytes(bytes);
      assertThatThrownBy(() -> kek.unwrap(bytes, PAYMENTS))
          .isInstanceOf(AuthenticationException.class);
    }
  }

  @Test
  void theWrapIsRfc9180SingleShotWithTheWrapContextAsInfo() throws Exception {
    // The JDK-only reference implementation opens what the KEK sealed: docs/FORMAT.md §5.6.
    HpkeKekProvider.Generated key = HpkeKekProvider.generate("x25519", dir);
    byte[] skR = Files.readAllBytes(key.privateKeyFile());
    try (Kek kek = open(key.uri(), dir)) {
      SecretBytes dek = randomDek();
      byte[] wrapped = kek.wrap(dek, PAYMENTS);
      byte[] enc = Arrays.copyOf(wrapped, 32);
      Rfc9180Reference.Schedule s =
          new Rfc9180Reference(2).scheduleFromReceiver(skR, enc, PAYMENTS.associatedData());
      assertThat(
              Rfc9180Reference.open(
                  s, 0, new byte[0], Arrays.copyOfRange(wrapped, 32, wrapped.length)))
          .isEqualTo(dek.toByteArray());
    }
  }

  @Test
  void twoClustersShareAPolicyButNoSecret() throws Exception {
    Path clusterA = Files.createDirectory(dir.resolve("a"));
    Path clusterB = Files.createDirectory(dir.resolve("b"));
    HpkeKekProvider.Generated a = HpkeKekProvider.generate("xwing", clusterA);
    HpkeKekProvider.Generated b = HpkeKekProvider.generate("xwing", clusterB);
    KeyPolicy shared = KeyPolicy.parse(policy(a.uri(), b.uri()), "policy.yaml");
    KeyPolicy onlyB = KeyPolicy.parse(policy(b.uri()), "policy.yaml");
    byte[] plaintext = "shipped from A to B".getBytes(StandardCharsets.UTF_8);

    byte[] forBoth;
    byte[] forB;
    LocalConfig configA =
        LocalConfig.builder().provider("hpke", Map.of("dir", clusterA.toString())).build();
    try (Envelope envelopeA =
        Envelope.builder().policy(shared).localConfig(configA).discoverProviders().build()) {
      forBoth = envelopeA.encrypt("payments", plaintext, Map.of("batch", "7"));
      // A can read what it sealed for both, with its own private key.
      assertThat(envelopeA.decrypt(forBoth, Map.of("batch", "7"))).isEqualTo(plaintext);
    }
    try (Envelope sealOnlyForB =
        Envelope.builder().policy(onlyB).localConfig(configA).discoverProviders().build()) {
      forB = sealOnlyForB.encrypt("payments", plaintext, Map.of());
      // A holds only B's public key: it cannot open what it sealed for B alone.
      assertThatThrownBy(() -> sealOnlyForB.decrypt(forB, Map.of()))
          .isInstanceOf(KeyUnavailableException.class)
          .hasMessageContaining("no private key");
    }
    LocalConfig configB =
        LocalConfig.builder().provider("hpke", Map.of("dir", clusterB.toString())).build();
    try (Envelope envelopeB =
        Envelope.builder().policy(shared).localConfig(configB).discoverProviders().build()) {
      assertThat(envelopeB.decrypt(forBoth, Map.of("batch", "7"))).isEqualTo(plaintext);
      assertThat(envelopeB.decrypt(forB, Map.of())).isEqualTo(plaintext);
    }

    EnvelopeInfo info = Envelope.inspect(forBoth, shared);
    assertThat(info.recipients())
        .extracting(r -> r.kekReference())
        .containsExactly(a.fingerprint(), b.fingerprint());
    assertThat(info.recipients())
        .allSatisfy(
            r -> {
              assertThat(r.wrapAlgorithm()).isEqualTo(WrapAlgorithm.HPKE_XWING);
              assertThat(r.wrappedKeyBytes()).isEqualTo(1168);
            });
  }

  @Test
  void theDoctorSeesASealOnlyKekAsSuchAndAPrivateKeyAsAFile() throws Exception {
    Path writer = Files.createDirectory(dir.resolve("writer"));
    Path reader = Files.createDirectory(dir.resolve("reader"));
    HpkeKekProvider.Generated pair = HpkeKekProvider.generate("x25519", reader);
    KeyPolicy policy = KeyPolicy.parse(policy(pair.uri()), "policy.yaml");
    dev.envelope.core.spi.KekDescription sealOnly =
        new HpkeKekProvider()
            .describe(
                pair.uri(),
                new dev.envelope.core.spi.ProviderSettings(
                    "t", "hpke", Map.of("dir", writer.toString())));
    assertThat(sealOnly.identitySource()).isEqualTo("no private key file here: seal only");
    assertThat(sealOnly.keySpec()).isEqualTo("HPKE-X25519-A256GCM");
    try (Envelope e =
        Envelope.builder()
            .policy(policy)
            .localConfig(
                LocalConfig.builder().provider("hpke", Map.of("dir", writer.toString())).build())
            .discoverProviders()
            .build()) {
      dev.envelope.core.Diagnosis d = e.diagnose(null, java.time.Duration.ofSeconds(5));
      dev.envelope.core.Diagnosis.KekHealth h = d.kek(pair.uri()).orElseThrow();
      assertThat(h.check().canWrap()).isTrue();
      assertThat(h.check().canUnwrap()).isFalse();
      assertThat(h.check().problem()).contains("no private key");
      assertThat(d.verdict()).isEqualTo(dev.envelope.core.Diagnosis.Verdict.CANNOT_OPEN);
    }
    try (Envelope e =
        Envelope.builder()
            .policy(policy)
            .localConfig(
                LocalConfig.builder().provider("hpke", Map.of("dir", reader.toString())).build())
            .discoverProviders()
            .build()) {
      dev.envelope.core.Diagnosis d = e.diagnose(null, java.time.Duration.ofSeconds(5));
      assertThat(d.verdict()).isEqualTo(dev.envelope.core.Diagnosis.Verdict.HEALTHY);
      dev.envelope.core.spi.KekDescription desc = d.keks().get(0).description();
      assertThat(desc.identity())
          .isEqualTo("HPKE private key file " + pair.privateKeyFile().toAbsolutePath());
      assertThat(desc.details())
          .containsEntry("permissions", "rw-------")
          .containsEntry("fingerprint", pair.fingerprint());
    }
  }

  @Test
  void malformedPublicKeysFailWhenTheFacadeIsBuilt() {
    String shortKey = "hpke://x25519/" + "A".repeat(10);
    assertThatThrownBy(
            () ->
                Envelope.builder()
                    .policy(KeyPolicy.parse(policy(shortKey), "policy.yaml"))
                    .discoverProviders()
                    .build())
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessageContaining("32 bytes");
    assertThatThrownBy(
            () ->
                Envelope.builder()
                    .policy(KeyPolicy.parse(policy("hpke://rsa/AAAA"), "policy.yaml"))
                    .discoverProviders()
                    .build())
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessageContaining("hpke://x25519/");
    assertThatThrownBy(
            () ->
                Envelope.builder()
                    .policy(KeyPolicy.parse(policy("hpke://xwing/!!!"), "policy.yaml"))
                    .discoverProviders()
                    .build())
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessageContaining("base64url");
  }

  @Test
  void aPrivateKeyOfAnotherRecipientIsRefused() throws Exception {
    HpkeKekProvider.Generated key = HpkeKekProvider.generate("x25519", dir);
    HpkeKekProvider.Generated other = HpkeKekProvider.generate("x25519", dir);
    Files.delete(key.privateKeyFile());
    Files.copy(other.privateKeyFile(), key.privateKeyFile());
    try (Kek kek = open(key.uri(), dir)) {
      byte[] wrapped = kek.wrap(randomDek(), PAYMENTS);
      assertThatThrownBy(() -> kek.unwrap(wrapped, PAYMENTS))
          .isInstanceOf(KeyUnavailableException.class)
          .hasMessageContaining("does not belong");
    }
  }

  @Test
  void generateRefusesUnknownSuitesAndNeverOverwrites() throws Exception {
    assertThatThrownBy(() -> HpkeKekProvider.generate("p256", dir))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("x25519 or xwing");
    HpkeKekProvider.Generated key = HpkeKekProvider.generate("x25519", dir);
    assertThat(new HpkeKekProvider().toString()).doesNotContain(key.uri());
  }

  /** An HPKE KEK's age is its private key file's; a seal-only cluster cannot tell. */
  @Test
  void rotationIsJudgedByThePrivateKeyFilesAge() throws Exception {
    Path here = Files.createDirectory(dir.resolve("rot-here"));
    Path elsewhere = Files.createDirectory(dir.resolve("rot-elsewhere"));
    HpkeKekProvider.Generated mine = HpkeKekProvider.generate("x25519", here);
    HpkeKekProvider.Generated theirs = HpkeKekProvider.generate("x25519", elsewhere);
    Files.setLastModifiedTime(
        mine.privateKeyFile(),
        java.nio.file.attribute.FileTime.from(
            java.time.Instant.now().minus(java.time.Duration.ofDays(100))));
    KeyPolicy policy =
        KeyPolicy.builder()
            .key("payments", java.util.List.of(mine.uri(), theirs.uri()), java.util.List.of(), 1)
            .rotationPeriod("payments", java.time.Duration.ofDays(90))
            .build();
    LocalConfig config =
        LocalConfig.builder().provider("hpke", Map.of("dir", here.toString())).build();
    try (Envelope envelope =
        Envelope.builder().policy(policy).localConfig(config).discoverProviders().build()) {
      java.util.List<dev.envelope.core.RotationCheck> checks = envelope.checkRotation("payments");
      assertThat(checks.get(0).verdict())
          .isEqualTo(dev.envelope.core.RotationCheck.Verdict.NOT_COMPLIANT);
      assertThat(checks.get(0).reason()).contains("100 days old");
      assertThat(checks.get(1).verdict())
          .isEqualTo(dev.envelope.core.RotationCheck.Verdict.UNKNOWN);
      assertThat(checks.get(1).reason()).contains("only the public key");
    }
  }
}
