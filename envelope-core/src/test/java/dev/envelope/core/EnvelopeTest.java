package dev.envelope.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.envelope.core.EnvelopeInfo.KekStatus;
import dev.envelope.core.format.HeaderCodec;
import dev.envelope.core.format.KekUris;
import dev.envelope.core.local.LocalKekProvider;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The facade's behaviour by operation, one named test per feature and per bad input; names say what
 * happens, in one style (no underscores).
 */
class EnvelopeTest {
  private static final byte[] MESSAGE =
      "four score and seven years ago".getBytes(StandardCharsets.UTF_8);
  private static final Map<String, String> ACME = Map.of("tenant", "acme");

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

  /** Encrypt: bodies, overhead, several KEKs, minWrap and what it refuses. */
  @Nested
  class Encrypt {
    @Test
    void roundTripWithContext() {
      try (Envelope e = fixture.envelope(Fixture.policy("payments", fixture.local("a")))) {
        byte[] sealed = e.encrypt("payments", MESSAGE, ACME);
        assertThat(e.decrypt(sealed, Map.of("tenant", "acme"))).isEqualTo(MESSAGE);
      }
    }

    @Test
    void overheadOfOneKibWithOneLocalKekIsAtMost150Bytes() throws Exception {
      try (Envelope e = fixture.envelope(Fixture.policy("payments", fixture.local("a")))) {
        byte[] sealed = e.encrypt("payments", new byte[1024], Map.of());
        // A256GCM: 6 prefix + 48 protected header (13 + 35 for the commitment) + 2 + 54 recipient
        // + 12 nonce + 16 tag.
        assertThat(Envelope.inspect(sealed).algorithm()).isEqualTo(BodyAlgorithm.A256GCM);
        assertThat(sealed.length - 1024).isEqualTo(138);
        ByteArrayOutputStream streamed = new ByteArrayOutputStream();
        try (var out = e.encryptingStream("payments", streamed, Map.of())) {
          out.write(new byte[1024]);
        }
        // Cobblestone-256: 6 + 13 + 2 + 54 + 24 salt + 32 commitment + 16 tag.
        assertThat(streamed.size() - 1024).isEqualTo(147);
      }
    }

    @Test
    void sealsUnderEveryKekAndOpensWithAnyOneOfThem() throws Exception {
      String a = fixture.local("a");
      String b = fixture.tink("b");
      String c = fixture.local("c");
      KeyPolicy abc = Fixture.policy("payments", a, b, c);
      byte[] sealed;
      try (Envelope clusterA = fixture.envelope(abc)) {
        sealed = clusterA.encrypt("payments", MESSAGE, ACME);
      }
      assertThat(Envelope.inspect(sealed).recipients()).hasSize(3);

      // Cluster B: the same shared policy, but only B's keyset is on its disk.
      try (Fixture clusterB = new Fixture()) {
        Files.copy(fixture.dir.resolve("b.json"), clusterB.dir.resolve("b.json"));
        try (Envelope e = clusterB.envelope(abc)) {
          assertThat(e.decrypt(sealed, ACME)).isEqualTo(MESSAGE);
        }
        // And a policy that names only B.
        try (Envelope e = clusterB.envelope(Fixture.policy("payments", b))) {
          assertThat(e.decrypt(sealed, ACME)).isEqualTo(MESSAGE);
        }
      }
    }

    @Test
    void minWrapLetsEncryptSucceedWhenSomeKeksFail() {
      String a = fixture.local("a");
      KeyPolicy policy =
          KeyPolicy.builder().key("k", List.of(a, "local://absent"), List.of(), 1).build();
      try (Envelope e = fixture.envelope(policy)) {
        byte[] sealed = e.encrypt("k", MESSAGE, Map.of());
        assertThat(Envelope.inspect(sealed, policy).recipients())
            .extracting(r -> r.kekUri().orElseThrow())
            .containsExactly(a);
      }
    }

    @Test
    void byteApiUsesCobblestoneAboveTheBufferedBodyLimit() {
      try (Envelope e =
          Envelope.builder()
              .policy(Fixture.policy("k", fixture.local("a")))
              .localConfig(fixture.config())
              .limits(EnvelopeLimits.builder().maxBufferedBodyBytes(1000).build())
              .build()) {
        assertThat(Envelope.inspect(e.encrypt("k", new byte[1000], Map.of())).algorithm())
            .isEqualTo(BodyAlgorithm.A256GCM);
        assertThat(Envelope.inspect(e.encrypt("k", new byte[1001], Map.of())).algorithm())
            .isEqualTo(BodyAlgorithm.COBBLESTONE_256);
      }
    }

    @Test
    void localKekNameEscapingTheKeyDirectoryFailsWhenTheFacadeIsBuilt() {
      assertThatThrownBy(() -> fixture.envelope(Fixture.policy("k", "local://../outside")))
          .isInstanceOf(InvalidPolicyException.class)
          .hasMessageContaining("keys.k.keks[0]")
          .hasMessageContaining("local://../outside")
          .hasMessageContaining("NAME of 1-64 characters");
    }

    @Test
    void unknownLogicalKeyFails() {
      try (Envelope e = fixture.envelope(Fixture.policy("payments", fixture.local("a")))) {
        assertThatThrownBy(() -> e.encrypt("paymnets", MESSAGE, Map.of()))
            .isInstanceOf(KeyUnavailableException.class)
            .hasMessageContaining("no logical key 'paymnets'; it has: payments");
      }
    }

    @Test
    void kekUnavailableBelowMinWrapFails() {
      String a = fixture.local("a");
      try (Envelope e = fixture.envelope(Fixture.policy("k", a, "local://absent"))) {
        assertThatThrownBy(() -> e.encrypt("k", MESSAGE, Map.of()))
            .isInstanceOf(KeyUnavailableException.class)
            .hasMessageContaining("1 of 2 KEKs succeeded, minWrap is 2")
            .hasMessageContaining("local://absent");
      }
    }

    @Test
    void contextBeyondLimitsFails() {
      try (Envelope e = fixture.envelope(Fixture.policy("k", fixture.local("a")))) {
        assertThatThrownBy(() -> e.encrypt("k", MESSAGE, Map.of("v", "x".repeat(1025))))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("maxContextValueBytes");
        assertThatThrownBy(() -> e.encrypt("k", MESSAGE, Map.of("bad", "\ud800")))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("well-formed");
      }
    }
  }

  /** Decrypt: preference and fallback, and each bad input with its typed error. */
  @Nested
  class Decrypt {
    @Test
    void triesPreferredRecipientsFirst() {
      KeyPolicy policy = Fixture.policy("k", "memory://one", "memory://two");
      try (Envelope e =
          Envelope.builder()
              .policy(policy)
              .provider(new MemoryKekProvider())
              .localConfig(LocalConfig.builder().prefer("memory://two").build())
              .build()) {
        byte[] sealed = e.encrypt("k", MESSAGE, Map.of());
        MemoryKekProvider.CALLS.clear();
        e.decrypt(sealed, Map.of());
        assertThat(MemoryKekProvider.CALLS).containsExactly("unwrap memory://two");
      }
    }

    @Test
    void fallsBackWhenTheFirstRecipientFails() {
      KeyPolicy policy = Fixture.policy("k", "memory://one", "memory://two");
      try (Envelope e =
          Envelope.builder().policy(policy).provider(new MemoryKekProvider()).build()) {
        byte[] sealed = e.encrypt("k", MESSAGE, Map.of());
        MemoryKekProvider.UNWRAP_FAILURES.put(
            "memory://one",
            () -> new KeyUnavailableException("memory://one: KMS unreachable", true));
        MemoryKekProvider.CALLS.clear();
        assertThat(e.decrypt(sealed, Map.of())).isEqualTo(MESSAGE);
        assertThat(MemoryKekProvider.CALLS)
            .containsExactly("unwrap memory://one", "unwrap memory://two");
      }
    }

    @Test
    void a256gcmCommitmentMismatchFails() {
      try (Envelope e = fixture.envelope(Fixture.policy("k", fixture.local("a")))) {
        byte[] sealed = e.encrypt("k", MESSAGE, Map.of());
        int commitmentAt = HeaderCodec.PREFIX_BYTES + HeaderCodec.u16(sealed, 4) - 32;
        sealed[commitmentAt] ^= 1;
        assertThatThrownBy(() -> e.decrypt(sealed, Map.of()))
            .isInstanceOf(AuthenticationException.class)
            .hasMessageContaining("key commitment");
      }
    }

    @Test
    void neverOpensAKekThePolicyDoesNotName() {
      byte[] sealed;
      try (Envelope attacker =
          Envelope.builder()
              .policy(Fixture.policy("k", "memory://attacker"))
              .provider(new MemoryKekProvider())
              .build()) {
        sealed = attacker.encrypt("k", MESSAGE, Map.of());
      }
      MemoryKekProvider.CALLS.clear();
      try (Envelope victim =
          Envelope.builder()
              .policy(Fixture.policy("k", "memory://victim"))
              .provider(new MemoryKekProvider())
              .build()) {
        assertThatThrownBy(() -> victim.decrypt(sealed, Map.of()))
            .isInstanceOf(KeyUnavailableException.class)
            .hasMessageContaining("none of the envelope's 1 recipients is a KEK");
      }
      assertThat(MemoryKekProvider.CALLS).isEmpty();
    }

    @Test
    void wrongContextFails() {
      try (Envelope e = fixture.envelope(Fixture.policy("k", fixture.local("a")))) {
        byte[] sealed = e.encrypt("k", MESSAGE, ACME);
        assertThatThrownBy(() -> e.decrypt(sealed, Map.of("tenant", "evil")))
            .isInstanceOf(AuthenticationException.class)
            .hasMessageContaining("context")
            .hasMessageContaining("values differ")
            .hasMessageNotContaining("acme")
            .hasMessageNotContaining("evil");
        assertThatThrownBy(() -> e.decrypt(sealed, Map.of()))
            .isInstanceOf(AuthenticationException.class)
            .hasMessageContaining("sealed keys [tenant]");
      }
    }

    @Test
    void wrongKekMaterialFails() throws Exception {
      String a = fixture.local("a");
      KeyPolicy policy = Fixture.policy("k", a);
      byte[] sealed;
      try (Envelope e = fixture.envelope(policy)) {
        sealed = e.encrypt("k", MESSAGE, Map.of());
      }
      byte[] keyBytes = Files.readAllBytes(fixture.dir.resolve("a.key"));
      Files.delete(fixture.dir.resolve("a.key"));
      LocalKekProvider.generate(fixture.dir.resolve("a.key"));
      try (Envelope e = fixture.envelope(policy)) {
        assertThatThrownBy(() -> e.decrypt(sealed, Map.of()))
            .isInstanceOf(AuthenticationException.class)
            .hasMessageContaining("did not authenticate under local://a")
            .satisfies(t -> assertNoSecrets(t.getMessage(), keyBytes))
            .satisfies(
                t -> assertThat(((AuthenticationException) t).recipientFailures()).hasSize(1));
      }
    }

    @Test
    void recipientSwappedFromAnotherEnvelopeFails() {
      KeyPolicy onePerDek =
          KeyPolicy.builder()
              .key(
                  "k",
                  List.of(fixture.local("a")),
                  List.of(),
                  1,
                  new DataKeyCacheLimits(java.time.Duration.ofMinutes(1), 1, 1 << 20))
              .build();
      try (Envelope e = fixture.envelope(onePerDek)) {
        byte[] one = e.encrypt("k", MESSAGE, Map.of());
        byte[] two = e.encrypt("k", MESSAGE, Map.of());
        int recipientsStart = HeaderCodec.PREFIX_BYTES + HeaderCodec.u16(one, 4);
        int headerEnd = Envelope.inspect(one).headerBytes();
        byte[] spliced = one.clone();
        System.arraycopy(
            two, recipientsStart, spliced, recipientsStart, headerEnd - recipientsStart);
        assertThat(spliced).isNotEqualTo(one);
        assertThatThrownBy(() -> e.decrypt(spliced, Map.of()))
            .isInstanceOf(AuthenticationException.class)
            .hasMessageContaining("key commitment");
      }
    }

    @Test
    void logicalKeyNotInPolicyFails() {
      String a = fixture.local("a");
      byte[] sealed;
      try (Envelope e = fixture.envelope(Fixture.policy("payments", a))) {
        sealed = e.encrypt("payments", MESSAGE, Map.of());
      }
      try (Envelope e = fixture.envelope(Fixture.policy("orders", a))) {
        assertThatThrownBy(() -> e.decrypt(sealed, Map.of()))
            .isInstanceOf(KeyUnavailableException.class)
            .hasMessageContaining("sealed under logical key 'payments'")
            .satisfies(t -> assertThat(((KeyUnavailableException) t).retryable()).isFalse());
      }
    }

    @Test
    void kekNotInPolicyFails() {
      byte[] sealed;
      try (Envelope e = fixture.envelope(Fixture.policy("k", fixture.local("a")))) {
        sealed = e.encrypt("k", MESSAGE, Map.of());
      }
      try (Envelope e = fixture.envelope(Fixture.policy("k", fixture.local("b")))) {
        assertThatThrownBy(() -> e.decrypt(sealed, Map.of()))
            .isInstanceOf(KeyUnavailableException.class)
            .hasMessageContaining(
                "none of the envelope's 1 recipients is a KEK that the key policy allows");
      }
    }

    @Test
    void kmsUnreachableIsRetryableAndListsEachRecipient() {
      KeyPolicy policy = Fixture.policy("k", "memory://one", "memory://two");
      try (Envelope e =
          Envelope.builder().policy(policy).provider(new MemoryKekProvider()).build()) {
        byte[] sealed = e.encrypt("k", MESSAGE, Map.of());
        MemoryKekProvider.UNWRAP_FAILURES.put(
            "memory://one", () -> new KeyUnavailableException("connect timed out", true));
        MemoryKekProvider.UNWRAP_FAILURES.put(
            "memory://two", () -> new KeyUnavailableException("access denied", false));
        assertThatThrownBy(() -> e.decrypt(sealed, Map.of()))
            .isInstanceOfSatisfying(
                KeyUnavailableException.class,
                k -> {
                  assertThat(k.retryable()).isTrue();
                  assertThat(k.recipientFailures())
                      .extracting(RecipientFailure::kek)
                      .containsExactly("memory://one", "memory://two");
                })
            .hasMessageContaining("memory://one: connect timed out")
            .hasMessageContaining("memory://two: access denied");
      }
    }

    @Test
    void providerAbsentFails() {
      KeyPolicy policy = Fixture.policy("k", "memory://m");
      byte[] sealed;
      try (Envelope e =
          Envelope.builder().policy(policy).provider(new MemoryKekProvider()).build()) {
        sealed = e.encrypt("k", MESSAGE, Map.of());
      }
      try (Envelope e = Envelope.builder().policy(policy).build()) {
        assertThatThrownBy(() -> e.decrypt(sealed, Map.of()))
            .isInstanceOf(KeyUnavailableException.class)
            .hasMessageContaining("no KEK provider for scheme 'memory'");
      }
    }

    @Test
    void keyFileMissingFails() {
      String a = fixture.local("a");
      byte[] sealed;
      try (Envelope e = fixture.envelope(Fixture.policy("k", a))) {
        sealed = e.encrypt("k", MESSAGE, Map.of());
      }
      try (Fixture empty = new Fixture();
          Envelope e = empty.envelope(Fixture.policy("k", a))) {
        assertThatThrownBy(() -> e.decrypt(sealed, Map.of()))
            .isInstanceOf(KeyUnavailableException.class)
            .hasMessageContaining("key file of local://a was not found");
      }
    }

    @Test
    void notAnEnvelopeFails() {
      try (Envelope e = fixture.envelope(Fixture.policy("k", fixture.local("a")))) {
        assertThatThrownBy(
                () -> e.decrypt("hello world".getBytes(StandardCharsets.UTF_8), Map.of()))
            .isInstanceOf(MalformedEnvelopeException.class)
            .hasMessageContaining("magic bytes");
        assertThatThrownBy(() -> e.decrypt(new byte[0], Map.of()))
            .isInstanceOf(MalformedEnvelopeException.class);
      }
    }

    @Test
    void futureFormatVersionFails() {
      try (Envelope e = fixture.envelope(Fixture.policy("k", fixture.local("a")))) {
        byte[] sealed = e.encrypt("k", MESSAGE, Map.of());
        sealed[3] = 2;
        assertThatThrownBy(() -> e.decrypt(sealed, Map.of()))
            .isInstanceOf(MalformedEnvelopeException.class)
            .hasMessageContaining("format version 2 is not supported");
      }
    }

    @Test
    void nonDeterministicCborFails() {
      // {1: 1, 2: "k"} with the algorithm written as a one-byte-argument integer (0x18 0x01).
      byte[] protectedHeader = {(byte) 0xa2, 0x01, 0x18, 0x01, 0x02, 0x61, 'k'};
      assertThatThrownBy(() -> Envelope.inspect(withProtectedHeader(protectedHeader)))
          .isInstanceOf(MalformedEnvelopeException.class)
          .hasMessageContaining("deterministic CBOR");
    }

    @Test
    void unknownHeaderFieldFails() {
      byte[] protectedHeader = {(byte) 0xa3, 0x01, 0x01, 0x02, 0x61, 'k', 0x07, 0x00};
      assertThatThrownBy(() -> Envelope.inspect(withProtectedHeader(protectedHeader)))
          .isInstanceOf(MalformedEnvelopeException.class)
          .hasMessageContaining("unknown protected header field '7'");
    }

    @Test
    void hugeDeclaredLengthInsideHeaderFailsWithoutAllocating() {
      // A text string claiming 2^62 bytes as the key id.
      byte[] protectedHeader = {(byte) 0xa2, 0x01, 0x01, 0x02, 0x7b, 0x40, 0, 0, 0, 0, 0, 0, 0};
      assertThatThrownBy(() -> Envelope.inspect(withProtectedHeader(protectedHeader)))
          .isInstanceOf(MalformedEnvelopeException.class);
    }

    @Test
    void headerLengthBeyondLimitFailsBeforeReading() {
      byte[] prefix = {'E', 'N', 'V', 1, (byte) 0xff, (byte) 0xff};
      InputStream endless =
          new InputStream() {
            int served;

            @Override
            public int read() {
              return served < prefix.length ? prefix[served++] & 0xff : 0;
            }

            @Override
            public int read(byte[] b, int off, int len) {
              for (int i = 0; i < len; i++) {
                b[off + i] = (byte) read();
              }
              return len;
            }
          };
      try (Envelope e = fixture.envelope(Fixture.policy("k", fixture.local("a")))) {
        assertThatThrownBy(() -> e.decryptingStream(endless, Map.of()))
            .isInstanceOf(MalformedEnvelopeException.class)
            .hasMessageContaining("EnvelopeLimits.maxProtectedHeaderBytes");
      }
    }

    @Test
    void tooManyRecipientsFails() {
      List<String> keks = new java.util.ArrayList<>();
      for (int i = 0; i < 5; i++) {
        keks.add(fixture.local("k" + i));
      }
      try (Envelope wide = fixture.envelope(Fixture.policy("k", keks.toArray(String[]::new)));
          Envelope narrow =
              Envelope.builder()
                  .policy(Fixture.policy("k", keks.toArray(String[]::new)))
                  .localConfig(fixture.config())
                  .limits(EnvelopeLimits.builder().maxRecipients(4).build())
                  .build()) {
        byte[] sealed = wide.encrypt("k", MESSAGE, Map.of());
        assertThatThrownBy(() -> narrow.decrypt(sealed, Map.of()))
            .isInstanceOf(MalformedEnvelopeException.class)
            .hasMessageContaining("more than 4 recipients (EnvelopeLimits.maxRecipients)");
      }
    }
  }

  /** EncryptingStream and decryptingStream, crossed with the byte[] API. */
  @Nested
  class Streams {
    @Test
    void streamsRoundTrip() throws Exception {
      try (Envelope e = fixture.envelope(Fixture.policy("k", fixture.tink("t")))) {
        byte[] plaintext = EnvelopeProperties.randomBytes(100_000, 7);
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (var out = e.encryptingStream("k", sink, ACME)) {
          out.write(plaintext);
        }
        assertThat(e.decrypt(sink.toByteArray(), ACME)).isEqualTo(plaintext);
        try (InputStream in =
            e.decryptingStream(new ByteArrayInputStream(sink.toByteArray()), ACME)) {
          assertThat(in.readAllBytes()).isEqualTo(plaintext);
        }
      }
    }

    @Test
    void bothBodiesOpenThroughBothApis() throws Exception {
      try (Envelope e = fixture.envelope(Fixture.policy("k", fixture.local("a")))) {
        byte[] plaintext = EnvelopeProperties.randomBytes(70_000, 3);
        byte[] gcm = e.encrypt("k", plaintext, ACME);
        ByteArrayOutputStream streamed = new ByteArrayOutputStream();
        try (var out = e.encryptingStream("k", streamed, ACME)) {
          out.write(plaintext);
        }
        byte[] cobblestone = streamed.toByteArray();
        assertThat(Envelope.inspect(gcm).algorithm()).isEqualTo(BodyAlgorithm.A256GCM);
        assertThat(Envelope.inspect(cobblestone).algorithm())
            .isEqualTo(BodyAlgorithm.COBBLESTONE_256);
        for (byte[] sealed : List.of(gcm, cobblestone)) {
          assertThat(e.decrypt(sealed, ACME)).isEqualTo(plaintext);
          try (InputStream in = e.decryptingStream(new ByteArrayInputStream(sealed), ACME)) {
            assertThat(in.readAllBytes()).isEqualTo(plaintext);
          }
          assertThat(e.decrypt(e.rewrap(sealed), ACME)).isEqualTo(plaintext);
        }
      }
    }

    @Test
    void a256gcmBodyBeyondTheBufferLimitFails() {
      String a = fixture.local("a");
      byte[] sealed;
      try (Envelope e = fixture.envelope(Fixture.policy("k", a))) {
        sealed = e.encrypt("k", new byte[5000], Map.of());
      }
      try (Envelope small =
          Envelope.builder()
              .policy(Fixture.policy("k", a))
              .localConfig(fixture.config())
              .limits(EnvelopeLimits.builder().maxBufferedBodyBytes(4096).build())
              .build()) {
        assertThatThrownBy(() -> small.decryptingStream(new ByteArrayInputStream(sealed), Map.of()))
            .isInstanceOf(MalformedEnvelopeException.class)
            .hasMessageContaining("EnvelopeLimits.maxBufferedBodyBytes");
        assertThat(small.decrypt(sealed, Map.of())).hasSize(5000);
      }
    }
  }

  /** Rewrap: new recipients, the same body. */
  @Nested
  class Rewrap {
    @Test
    void replacesRecipientsAndKeepsTheBody() throws Exception {
      String old = fixture.local("old");
      String next = fixture.tink("next");
      byte[] sealed;
      try (Envelope before = fixture.envelope(Fixture.policy("k", old))) {
        sealed = before.encrypt("k", MESSAGE, ACME);
      }
      KeyPolicy rotating = Fixture.policy("k", List.of(next), List.of(old));
      assertThat(Envelope.inspect(sealed, rotating).recipients())
          .extracting(EnvelopeInfo.RecipientInfo::status)
          .containsExactly(KekStatus.DECRYPT_ONLY);
      byte[] rewrapped;
      try (Envelope during = fixture.envelope(rotating)) {
        rewrapped = during.rewrap(sealed);
        ByteArrayOutputStream streamed = new ByteArrayOutputStream();
        during.rewrap(new ByteArrayInputStream(sealed), streamed);
        assertThat(Envelope.inspect(streamed.toByteArray()).headerBytes())
            .isEqualTo(Envelope.inspect(rewrapped).headerBytes());
      }
      EnvelopeInfo info = Envelope.inspect(rewrapped, rotating);
      assertThat(info.recipients()).extracting(r -> r.kekUri().orElseThrow()).containsExactly(next);
      assertThat(info.recipients().get(0).status()).isEqualTo(KekStatus.ACTIVE);
      int oldBody = sealed.length - Envelope.inspect(sealed).headerBytes();
      assertThat(Arrays.copyOfRange(rewrapped, rewrapped.length - oldBody, rewrapped.length))
          .isEqualTo(Arrays.copyOfRange(sealed, sealed.length - oldBody, sealed.length));
      try (Envelope after = fixture.envelope(Fixture.policy("k", next))) {
        assertThat(after.decrypt(rewrapped, ACME)).isEqualTo(MESSAGE);
        assertThatThrownBy(() -> after.decrypt(sealed, ACME))
            .isInstanceOf(KeyUnavailableException.class);
      }
    }
  }

  /** Inspect: the header without a key. */
  @Nested
  class Inspect {
    @Test
    void readsTheHeaderWithoutAKey() throws Exception {
      String a = fixture.local("a");
      String b = fixture.tink("b");
      KeyPolicy policy = Fixture.policy("payments", a, b);
      byte[] sealed;
      try (Envelope e = fixture.envelope(policy)) {
        sealed = e.encrypt("payments", new byte[40_000], ACME);
      }
      EnvelopeInfo info = Envelope.inspect(sealed);
      assertThat(info.formatVersion()).isEqualTo(1);
      assertThat(info.algorithm()).isEqualTo(BodyAlgorithm.A256GCM);
      assertThat(info.logicalKeyId()).isEqualTo("payments");
      assertThat(info.context()).isEqualTo(ACME);
      assertThat(info.plaintextBytes()).isEqualTo(40_000);
      assertThat(info.bodyBytes()).isEqualTo(sealed.length - info.headerBytes());
      assertThat(info.recipients())
          .extracting(r -> r.wrapAlgorithm().name())
          .containsExactly("A256KWP", "TINK-AEAD");
      assertThat(info.recipients())
          .extracting(EnvelopeInfo.RecipientInfo::status)
          .containsOnly(KekStatus.UNRESOLVED);
      assertThat(info.recipients().get(0).kekReference())
          .isEqualTo(HexFormat.of().formatHex(KekUris.reference(a)));

      ByteArrayInputStream stream = new ByteArrayInputStream(sealed);
      EnvelopeInfo fromStream = Envelope.inspect(stream, policy);
      assertThat(stream.available()).as("the body is left unread").isEqualTo(info.bodyBytes());
      assertThat(fromStream.recipients())
          .extracting(r -> r.kekUri().orElseThrow())
          .containsExactly(a, b);
    }
  }

  /** Building and closing the facade, arguments, secrets in text. */
  @Nested
  class Facade {
    @Test
    void discoveryIsOffUnlessAskedFor() {
      KeyPolicy policy = Fixture.policy("k", "memory://m");
      try (Envelope plain = Envelope.builder().policy(policy).build()) {
        assertThatThrownBy(() -> plain.encrypt("k", MESSAGE, Map.of()))
            .isInstanceOf(KeyUnavailableException.class)
            .hasMessageContaining("no KEK provider for scheme 'memory'");
      }
      try (Envelope discovering = Envelope.builder().policy(policy).discoverProviders().build()) {
        byte[] sealed = discovering.encrypt("k", MESSAGE, Map.of());
        assertThat(discovering.decrypt(sealed, Map.of())).isEqualTo(MESSAGE);
      }
    }

    @Test
    void twoExplicitProvidersForOneSchemeAreRejected() {
      var builder =
          Envelope.builder()
              .policy(Fixture.policy("k", "memory://m"))
              .provider(new MemoryKekProvider())
              .provider(
                  new dev.envelope.core.spi.KekProvider() {
                    @Override
                    public java.util.Set<String> schemes() {
                      return java.util.Set.of("memory");
                    }

                    @Override
                    public dev.envelope.core.spi.Kek open(
                        String uri, dev.envelope.core.spi.ProviderSettings s) {
                      throw new AssertionError("never opened");
                    }
                  });
      assertThatThrownBy(builder::build)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("claim scheme 'memory'");
    }

    @Test
    void nullArgumentsAreIllegalArgumentsNotNullPointers() {
      try (Envelope e = fixture.envelope(Fixture.policy("k", fixture.local("a")))) {
        assertThatThrownBy(() -> e.encrypt("k", null, Map.of()))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> e.encrypt("k", MESSAGE, null))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> e.encrypt(null, MESSAGE, Map.of()))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> e.decrypt(null, Map.of()))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Envelope.inspect((byte[]) null))
            .isInstanceOf(IllegalArgumentException.class);
      }
    }

    @Test
    void closedFacadeRefusesWorkWithATypedError() {
      Envelope e = fixture.envelope(Fixture.policy("k", fixture.local("a")));
      byte[] sealed = e.encrypt("k", MESSAGE, Map.of());
      e.close();
      for (org.assertj.core.api.ThrowableAssert.ThrowingCallable call :
          List.<org.assertj.core.api.ThrowableAssert.ThrowingCallable>of(
              () -> e.encrypt("k", MESSAGE, Map.of()),
              () -> e.decrypt(sealed, Map.of()),
              () -> e.rewrap(sealed),
              () -> e.rewrap(new ByteArrayInputStream(sealed), new ByteArrayOutputStream()),
              () -> e.encryptingStream("k", new ByteArrayOutputStream(), Map.of()),
              () -> e.decryptingStream(new ByteArrayInputStream(sealed), Map.of()),
              () -> e.checkKek("k", "local://a"))) {
        assertThatThrownBy(call)
            .isInstanceOf(EnvelopeClosedException.class)
            .isInstanceOf(EnvelopeException.class)
            .hasMessageContaining("closed");
      }
    }

    @Test
    void keyFilesAreCreatedOwnerOnlyAndNeverOverwritten() throws Exception {
      Path file = fixture.dir.resolve("x.key");
      LocalKekProvider.generate(file);
      assertThat(
              java.nio.file.attribute.PosixFilePermissions.toString(
                  Files.getPosixFilePermissions(file)))
          .isEqualTo("rw-------");
      assertThat(Files.size(file)).isEqualTo(32);
      byte[] before = Files.readAllBytes(file);
      assertThatThrownBy(() -> LocalKekProvider.generate(file))
          .isInstanceOf(java.nio.file.FileAlreadyExistsException.class);
      assertThat(Files.readAllBytes(file)).isEqualTo(before);
    }

    @Test
    void secretsNeverShowInToString() {
      byte[] key = new byte[32];
      Arrays.fill(key, (byte) 0x5a);
      var secret = dev.envelope.core.spi.SecretBytes.copyOf(key);
      assertThat(secret.toString()).isEqualTo("SecretBytes[32 bytes]");
      secret.destroy();
      assertThatThrownBy(secret::toByteArray).isInstanceOf(IllegalStateException.class);
      assertNoSecrets(secret.toString(), key);
    }
  }

  private static void assertNoSecrets(String message, byte[] key) {
    assertThat(message)
        .doesNotContain(HexFormat.of().formatHex(key))
        .doesNotContain(Base64.getEncoder().encodeToString(key));
  }

  /** An envelope prefix with a hand-made protected header and one plausible recipient. */
  private static byte[] withProtectedHeader(byte[] protectedHeader) {
    byte[] recipients = {(byte) 0x81, (byte) 0x83, 0x48, 1, 2, 3, 4, 5, 6, 7, 8, 0x01, 0x41, 0x00};
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {'E', 'N', 'V', 1, 0, (byte) protectedHeader.length});
    out.writeBytes(protectedHeader);
    out.writeBytes(new byte[] {0, (byte) recipients.length});
    out.writeBytes(recipients);
    out.writeBytes(new byte[72]);
    return out.toByteArray();
  }
}
