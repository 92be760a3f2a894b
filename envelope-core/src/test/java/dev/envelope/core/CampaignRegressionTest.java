package dev.envelope.core;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.envelope.core.format.HeaderCodec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One regression test per defect of the outside test campaign (issue #14), each failing on the code
 * before its fix. The wider nets that would have caught them — the fuzz targets and the stream
 * stress test — are {@code EnvelopeFuzzTest} and {@code ConcurrencyStressTest}.
 */
class CampaignRegressionTest {
  private static final Map<String, String> ACME = Map.of("tenant", "acme");

  private Fixture fixture;

  @BeforeEach
  void setUp() {
    fixture = new Fixture();
  }

  @AfterEach
  void tearDown() {
    fixture.close();
  }

  // 1. A stream must not share the creating thread's cipher.

  @Test
  void aDecryptingStreamReadOnAnotherThreadIsUnaffectedByTheCreatorsCalls() throws Exception {
    byte[] message = random(200_000, 1);
    ExecutorService reader = Executors.newSingleThreadExecutor();
    try (Envelope e = fixture.envelope(Fixture.policy("k", fixture.local("a")))) {
      byte[] small = random(512, 2);
      for (int round = 0; round < 40; round++) {
        byte[] sealed = streamSeal(e, message);
        InputStream stream = e.decryptingStream(new ByteArrayInputStream(sealed), ACME);
        Future<byte[]> read = reader.submit(() -> readSlowly(stream));
        // Meanwhile the creating thread keeps using its own one-shot cipher.
        while (!read.isDone()) {
          byte[] again = e.decrypt(e.encrypt("k", small, ACME), ACME);
          assertThat(again).isEqualTo(small);
        }
        assertThat(read.get()).isEqualTo(message);
      }
    } finally {
      reader.shutdownNow();
    }
  }

  @Test
  void anEncryptingStreamWrittenOnAnotherThreadWritesAnEnvelopeThatOpens() throws Exception {
    byte[] message = random(200_000, 3);
    ExecutorService writer = Executors.newSingleThreadExecutor();
    try (Envelope e = fixture.envelope(Fixture.policy("k", fixture.local("a")))) {
      byte[] small = random(300, 4);
      for (int round = 0; round < 40; round++) {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        OutputStream stream = e.encryptingStream("k", sink, ACME);
        Future<?> write =
            writer.submit(
                () -> {
                  for (int i = 0; i < message.length; i += 1000) {
                    stream.write(message, i, Math.min(1000, message.length - i));
                  }
                  stream.close();
                  return null;
                });
        while (!write.isDone()) {
          assertThat(e.decrypt(e.encrypt("k", small, ACME), ACME)).isEqualTo(small);
        }
        write.get();
        assertThat(e.decrypt(sink.toByteArray(), ACME)).isEqualTo(message);
      }
    } finally {
      writer.shutdownNow();
    }
  }

  // 2. Rewrap must not move a data key to another logical key's KEKs.

  @Test
  void rewrapRefusesAnEnvelopeRelabelledToAnotherLogicalKey() {
    String a = fixture.local("a");
    String c = fixture.tink("c");
    KeyPolicy policy =
        KeyPolicy.builder()
            .key("k1", List.of(a), List.of())
            .key("k2", List.of(c, a), List.of())
            .build();
    try (Envelope e = fixture.envelope(policy)) {
      for (byte[] sealed :
          List.of(
              e.encrypt("k1", "card 4111".getBytes(UTF_8), ACME),
              streamSeal(e, "k1", "card 4111".getBytes(UTF_8)))) {
        byte[] relabelled = replaceOnce(sealed, "k1", "k2");
        assertThat(Envelope.inspect(relabelled).logicalKeyId()).isEqualTo("k2");
        assertThatThrownBy(() -> e.rewrap(relabelled)).isInstanceOf(AuthenticationException.class);
        assertThatThrownBy(
                () -> e.rewrap(new ByteArrayInputStream(relabelled), new ByteArrayOutputStream()))
            .isInstanceOf(AuthenticationException.class);
        assertThatThrownBy(() -> e.decrypt(relabelled, ACME))
            .isInstanceOf(AuthenticationException.class);
      }
    }
  }

  @Test
  void rewrapRefusesWhatDecryptRefusesATamperedBodyChunk() {
    try (Envelope e = fixture.envelope(Fixture.policy("k", fixture.local("a")))) {
      for (byte[] sealed :
          List.of(e.encrypt("k", random(40_000, 5), ACME), streamSeal(e, random(40_000, 6)))) {
        byte[] tampered = sealed.clone();
        tampered[tampered.length - 100] ^= 1; // inside the last chunk or the GCM ciphertext
        assertThatThrownBy(() -> e.decrypt(tampered, ACME))
            .isInstanceOf(AuthenticationException.class);
        assertThatThrownBy(() -> e.rewrap(tampered)).isInstanceOf(AuthenticationException.class);
        assertThatThrownBy(
                () -> e.rewrap(new ByteArrayInputStream(tampered), new ByteArrayOutputStream()))
            .isInstanceOf(AuthenticationException.class);
        // The untouched envelope still rewraps, through both forms, and opens afterwards.
        assertThat(e.decrypt(e.rewrap(sealed), ACME)).isEqualTo(e.decrypt(sealed, ACME));
        ByteArrayOutputStream moved = new ByteArrayOutputStream();
        e.rewrap(new ByteArrayInputStream(sealed), moved);
        assertThat(moved.toByteArray()).isEqualTo(e.rewrap(sealed));
      }
    }
  }

  // 4. Invalid UTF-8 in a header text string is a malformed envelope.

  @Test
  void invalidUtf8InTheKeyIdIsMalformedEverywhere() throws Exception {
    byte[] bad =
        HexFormat.of().parseHex("454e5601000aa2010102656bf5616263000e8183480000000000000000014100");
    Path file = fixture.dir.resolve("bad.env");
    Files.write(file, bad);
    KeyPolicy policy = Fixture.policy("k", fixture.local("a"));
    try (Envelope e = fixture.envelope(policy)) {
      List<ThrowingCallable> calls =
          List.of(
              () -> e.decrypt(bad, Map.of()),
              () -> e.decryptingStream(new ByteArrayInputStream(bad), Map.of()),
              () -> e.rewrap(bad),
              () -> e.rewrap(new ByteArrayInputStream(bad), new ByteArrayOutputStream()),
              () -> Envelope.inspect(bad),
              () -> Envelope.inspect(bad, policy),
              () -> Envelope.inspect(new ByteArrayInputStream(bad), policy),
              () -> Envelope.inspect(file, policy));
      for (ThrowingCallable call : calls) {
        assertThatThrownBy(call).isInstanceOf(MalformedEnvelopeException.class);
      }
    }
  }

  @Test
  void invalidUtf8InAContextValueIsMalformed() {
    try (Envelope e = fixture.envelope(Fixture.policy("k", fixture.local("a")))) {
      byte[] sealed = e.encrypt("k", new byte[10], Map.of("t", "abc"));
      // 0xff is never valid in UTF-8; the string keeps its length, so the framing stays intact.
      byte[] bad = replaceOnce(sealed, "abc".getBytes(UTF_8), new byte[] {'a', (byte) 0xff, 'c'});
      assertThatThrownBy(() -> Envelope.inspect(bad))
          .isInstanceOf(MalformedEnvelopeException.class);
      assertThatThrownBy(() -> e.decrypt(bad, Map.of("t", "abc")))
          .isInstanceOf(MalformedEnvelopeException.class);
    }
  }

  // 5. close() racing with calls: covered in ConcurrencyStressTest; after close, EnvelopeTest.

  // 6. CBOR tags are refused before they cost anything.

  @Test
  void aRunOfCborTagsIsRefusedWithoutQuadraticAllocation() {
    try (Envelope e = fixture.envelope(Fixture.policy("k", fixture.local("a")))) {
      byte[] sealed = e.encrypt("k", new byte[1], Map.of());
      int p = HeaderCodec.u16(sealed, 4);
      byte[] authenticated = Arrays.copyOf(sealed, 6 + p);
      int r = 32_000;
      byte[] bad = Arrays.copyOf(authenticated, authenticated.length + 2 + r + 40);
      bad[authenticated.length] = (byte) (r >>> 8);
      bad[authenticated.length + 1] = (byte) r;
      Arrays.fill(bad, authenticated.length + 2, authenticated.length + 2 + r - 1, (byte) 0xc6);
      bad[authenticated.length + 2 + r - 1] = (byte) 0x80; // the tags end on an empty array
      com.sun.management.ThreadMXBean mx =
          (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
      long id = Thread.currentThread().getId();
      // Warm up the code path once, then measure one call.
      assertThatThrownBy(() -> e.decrypt(bad, Map.of()))
          .isInstanceOf(MalformedEnvelopeException.class);
      long before = mx.getThreadAllocatedBytes(id);
      assertThatThrownBy(() -> Envelope.inspect(bad))
          .isInstanceOf(MalformedEnvelopeException.class)
          .hasMessageContaining("tag");
      long allocated = mx.getThreadAllocatedBytes(id) - before;
      assertThat(allocated).as("bytes allocated to refuse 32,000 tag bytes").isLessThan(2_000_000);
    }
  }

  // 7. maxBytes: a stream counts its bytes as it goes, so the key retires while it is still open.

  @Test
  void aStreamPastMaxBytesRetiresItsDataKeyBeforeItCloses() throws Exception {
    String a = fixture.local("a");
    KeyPolicy policy =
        KeyPolicy.builder()
            .key(
                "k",
                List.of(a),
                List.of(),
                1,
                new DataKeyCacheLimits(Duration.ofHours(1), 1_000_000, 256 * 1024))
            .build();
    try (Envelope e = fixture.envelope(policy)) {
      byte[] first = e.encrypt("k", new byte[10], ACME);
      ByteArrayOutputStream sink = new ByteArrayOutputStream();
      OutputStream open = e.encryptingStream("k", sink, ACME);
      open.write(new byte[300 * 1024]); // past maxBytes; the stream is still open
      byte[] next = e.encrypt("k", new byte[10], ACME);
      assertThat(wrappedKey(next))
          .as("a new data key once the stream crossed maxBytes")
          .isNotEqualTo(wrappedKey(first));
      open.close();
      assertThat(wrappedKey(sink.toByteArray())).isEqualTo(wrappedKey(first));
    }
  }

  @Test
  void byteArrayMessagesFromSixteenThreadsNeverExceedMaxBytesPerDataKey() throws Exception {
    String a = fixture.local("a");
    long maxBytes = 256 * 1024;
    KeyPolicy policy =
        KeyPolicy.builder()
            .key(
                "k",
                List.of(a),
                List.of(),
                1,
                new DataKeyCacheLimits(Duration.ofHours(1), 1_000_000, maxBytes))
            .build();
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try (Envelope e = fixture.envelope(policy)) {
      List<Future<List<byte[]>>> futures = new ArrayList<>();
      for (int t = 0; t < 16; t++) {
        futures.add(
            pool.submit(
                () -> {
                  List<byte[]> out = new ArrayList<>();
                  for (int i = 0; i < 100; i++) {
                    out.add(e.encrypt("k", new byte[3000 + i], Map.of()));
                  }
                  return out;
                }));
      }
      Map<String, Long> bytesPerKey = new java.util.HashMap<>();
      for (Future<List<byte[]>> f : futures) {
        for (byte[] sealed : f.get()) {
          long plain = Envelope.inspect(sealed).plaintextBytes();
          bytesPerKey.merge(HexFormat.of().formatHex(wrappedKey(sealed)), plain, Long::sum);
        }
      }
      assertThat(bytesPerKey).hasSizeGreaterThan(10);
      assertThat(bytesPerKey.values()).allSatisfy(b -> assertThat(b).isLessThanOrEqualTo(maxBytes));
    } finally {
      pool.shutdownNow();
    }
  }

  // 9a. One key id rule in the policy and the format.

  @Test
  void aKeyIdOutsideTheRuleIsMalformedInAnEnvelopeAndInvalidInAPolicy() {
    try (Envelope e = fixture.envelope(Fixture.policy("kk", fixture.local("a")))) {
      byte[] sealed = e.encrypt("kk", new byte[1], Map.of());
      // "k k" is valid UTF-8 but not a logical key id: the same length keeps the framing intact.
      byte[] spaced = replaceOnce(sealed, new byte[] {0x62, 'k', 'k'}, new byte[] {0x62, 'k', ' '});
      assertThatThrownBy(() -> Envelope.inspect(spaced))
          .isInstanceOf(MalformedEnvelopeException.class)
          .hasMessageContaining("logical key id");
    }
    assertThatThrownBy(() -> KeyPolicy.builder().key("k ", List.of("local://a"), List.of()))
        .isInstanceOf(InvalidPolicyException.class);
  }

  // 9d. Every cut inside the header is malformed; every cut after it fails authentication.

  @Test
  void truncationIsMalformedInTheHeaderAndAnAuthenticationFailureAfterIt() throws Exception {
    try (Envelope e = fixture.envelope(Fixture.policy("k", fixture.local("a")))) {
      for (byte[] sealed :
          List.of(e.encrypt("k", random(20_000, 7), ACME), streamSeal(e, random(20_000, 8)))) {
        int headerLength = 6 + HeaderCodec.u16(sealed, 4);
        headerLength += 2 + HeaderCodec.u16(sealed, headerLength);
        for (int cut = 1; cut < sealed.length; cut += cut < headerLength + 80 ? 1 : 997) {
          byte[] cutOff = Arrays.copyOf(sealed, cut);
          Class<? extends EnvelopeException> expected =
              cut < headerLength ? MalformedEnvelopeException.class : AuthenticationException.class;
          assertThatThrownBy(() -> e.decrypt(cutOff, ACME))
              .as("decrypt cut at %d", cut)
              .isInstanceOf(expected);
          assertThatThrownBy(() -> e.rewrap(cutOff))
              .as("rewrap cut at %d", cut)
              .isInstanceOf(expected);
          assertThatThrownBy(
                  () -> {
                    try (InputStream in =
                        e.decryptingStream(new ByteArrayInputStream(cutOff), ACME)) {
                      in.readAllBytes();
                    }
                  })
              .as("stream cut at %d", cut)
              .isInstanceOf(expected);
        }
      }
    }
  }

  // ------------------------------------------------------------------ helpers

  private static byte[] streamSeal(Envelope e, byte[] message) {
    return streamSeal(e, "k", message);
  }

  private static byte[] streamSeal(Envelope e, String key, byte[] message) {
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    try (OutputStream out = e.encryptingStream(key, sink, ACME)) {
      out.write(message);
    } catch (java.io.IOException ex) {
      throw new java.io.UncheckedIOException(ex);
    }
    return sink.toByteArray();
  }

  /** Reads in small pieces, so the read overlaps the other thread's work. */
  @SuppressWarnings("ThreadPriorityCheck") // the yield only widens the overlap the test wants
  private static byte[] readSlowly(InputStream in) throws java.io.IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[777];
    int n;
    while ((n = in.read(buffer)) >= 0) {
      out.write(buffer, 0, n);
      Thread.yield();
    }
    in.close();
    return out.toByteArray();
  }

  /** The first recipient's wrapped key: equal for envelopes sealed under one data key. */
  static byte[] wrappedKey(byte[] envelope) {
    return HeaderCodec.parse(envelope, EnvelopeLimits.DEFAULTS).recipients.get(0).wrappedKey();
  }

  static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static byte[] replaceOnce(byte[] haystack, String from, String to) {
    return replaceOnce(haystack, from.getBytes(UTF_8), to.getBytes(UTF_8));
  }

  /** Replaces the first occurrence of {@code from} with {@code to} (same length). */
  static byte[] replaceOnce(byte[] haystack, byte[] from, byte[] to) {
    assertThat(to).hasSameSizeAs(from);
    for (int i = 0; i + from.length <= haystack.length; i++) {
      if (Arrays.equals(haystack, i, i + from.length, from, 0, from.length)) {
        byte[] out = haystack.clone();
        System.arraycopy(to, 0, out, i, to.length);
        return out;
      }
    }
    throw new AssertionError("pattern not found");
  }
}
