package dev.envelope.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.envelope.core.format.HeaderCodec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Properties of the whole envelope through the public API, with real local and Tink KEKs: round
 * trips over sizes, contexts, recipient counts and both APIs; no change, truncation or extension of
 * an envelope ever yields a different plaintext or an untyped error.
 */
class EnvelopeProperties {
  private static final List<String> KEY_IDS = List.of("r1", "r2", "r3", "r4");
  private static Fixture fixture;
  private static Envelope envelope;

  /** Seals byte[] messages with Cobblestone-256 instead of A256GCM (no buffered body). */
  private static Envelope cobblestoneEnvelope;

  @BeforeContainer
  static void setUp() {
    fixture = new Fixture();
    List<String> keks =
        List.of(fixture.local("a"), fixture.tink("b"), fixture.local("c"), fixture.tink("d"));
    KeyPolicy.Builder policy = KeyPolicy.builder();
    for (int n = 1; n <= 4; n++) {
      policy.key("r" + n, keks.subList(0, n), List.of());
    }
    KeyPolicy built = policy.build();
    envelope = fixture.envelope(built);
    cobblestoneEnvelope =
        Envelope.builder()
            .policy(built)
            .localConfig(fixture.config())
            .limits(EnvelopeLimits.builder().maxBufferedBodyBytes(0).build())
            .build();
  }

  @AfterContainer
  static void tearDown() {
    envelope.close();
    cobblestoneEnvelope.close();
    fixture.close();
  }

  @Provide
  Arbitrary<Integer> sizes() {
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(
            6,
            Arbitraries.of(
                0, 1, 15, 16, 17, 1024, 16383, 16384, 16385, 32767, 32768, 32769, 49152)),
        net.jqwik.api.Tuple.of(8, Arbitraries.integers().between(0, 70_000)),
        net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(1 << 20, 5 << 20)));
  }

  @Provide
  Arbitrary<Map<String, String>> contexts() {
    Arbitrary<String> keys =
        Arbitraries.strings().ofMinLength(1).ofMaxLength(20).filter(HeaderCodec::isWellFormed);
    Arbitrary<String> values =
        Arbitraries.strings().ofMaxLength(60).filter(HeaderCodec::isWellFormed);
    return Arbitraries.maps(keys, values).ofMaxSize(6);
  }

  @Property(tries = 80)
  void roundTripsThroughBothApis(
      @ForAll("sizes") int size,
      @ForAll("contexts") Map<String, String> context,
      @ForAll @IntRange(min = 1, max = 4) int recipients,
      @ForAll boolean sealWithStream,
      @ForAll boolean cobblestoneForBytes,
      @ForAll boolean openWithStream,
      @ForAll long seed)
      throws IOException {
    byte[] plaintext = randomBytes(size, seed);
    String key = KEY_IDS.get(recipients - 1);
    byte[] sealed =
        sealWithStream
            ? sealStreaming(key, plaintext, context, new Random(seed))
            : (cobblestoneForBytes ? cobblestoneEnvelope : envelope)
                .encrypt(key, plaintext, context);
    assertThat(Envelope.inspect(sealed).algorithm())
        .isEqualTo(
            sealWithStream || cobblestoneForBytes
                ? BodyAlgorithm.COBBLESTONE_256
                : BodyAlgorithm.A256GCM);

    byte[] opened =
        openWithStream
            ? openStreaming(sealed, context, new Random(~seed))
            : envelope.decrypt(sealed, context);

    assertThat(opened).isEqualTo(plaintext);
    EnvelopeInfo info = Envelope.inspect(sealed);
    assertThat(info.recipients()).hasSize(recipients);
    assertThat(info.context()).isEqualTo(context);
    assertThat(info.plaintextBytes()).isEqualTo(size);
  }

  @Property(tries = 400)
  void anySingleByteChangeFailsTypedOrYieldsTheOriginal(
      @ForAll @IntRange(min = 0, max = 40_000) int size,
      @ForAll @IntRange(min = 1, max = 3) int recipients,
      @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE - 1) int where,
      @ForAll @IntRange(min = 1, max = 255) int xor,
      @ForAll boolean openWithStream,
      @ForAll boolean cobblestone,
      @ForAll long seed) {
    byte[] plaintext = randomBytes(size, seed);
    Map<String, String> context = Map.of("tenant", "acme");
    byte[] sealed =
        (cobblestone ? cobblestoneEnvelope : envelope)
            .encrypt(KEY_IDS.get(recipients - 1), plaintext, context);
    int position = where % sealed.length;
    byte[] tampered = sealed.clone();
    tampered[position] ^= (byte) xor;

    byte[] result = tryOpen(tampered, context, openWithStream);
    if (result != null) {
      assertThat(result).as("a changed envelope opened to another plaintext").isEqualTo(plaintext);
      int recipientsStart = authenticatedLength(sealed);
      int headerEnd = Envelope.inspect(sealed).headerBytes();
      assertThat(position)
          .as("only a change to a recipient that decrypt did not need may still open")
          .isBetween(recipientsStart, headerEnd - 1);
    }
    // Rewrap refuses whatever decrypt (with the context stored in the envelope) refuses.
    Envelope facade = cobblestone ? cobblestoneEnvelope : envelope;
    byte[] rewrapped;
    try {
      rewrapped = facade.rewrap(tampered);
    } catch (EnvelopeException e) {
      rewrapped = null;
    }
    if (rewrapped != null) {
      assertThat(result).as("rewrap succeeded on an envelope decrypt refuses").isNotNull();
      assertThat(facade.decrypt(rewrapped, context)).isEqualTo(plaintext);
    }
  }

  @Property(tries = 200)
  void truncationOrExtensionAlwaysFails(
      @ForAll @IntRange(min = 0, max = 40_000) int size,
      @ForAll @IntRange(min = 1, max = 2) int recipients,
      @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE - 1) int cut,
      @ForAll byte[] appended,
      @ForAll boolean extend,
      @ForAll boolean openWithStream,
      @ForAll boolean cobblestone,
      @ForAll long seed) {
    byte[] plaintext = randomBytes(size, seed);
    byte[] sealed =
        (cobblestone ? cobblestoneEnvelope : envelope)
            .encrypt(KEY_IDS.get(recipients - 1), plaintext, Map.of());
    byte[] changed;
    if (extend && appended.length > 0) {
      changed = Arrays.copyOf(sealed, sealed.length + appended.length);
      System.arraycopy(appended, 0, changed, sealed.length, appended.length);
    } else {
      changed = Arrays.copyOf(sealed, cut % sealed.length);
    }
    assertThat(tryOpen(changed, Map.of(), openWithStream))
        .as("a truncated or extended envelope opened")
        .isNull();
  }

  @Property(tries = 3000)
  void arbitraryBytesGiveOnlyTypedErrors(@ForAll byte[] junk, @ForAll boolean withMagic) {
    byte[] input = junk;
    if (withMagic) {
      // Get past the magic and version so the length fields and CBOR parser see the junk.
      input = new byte[4 + junk.length];
      input[0] = 'E';
      input[1] = 'N';
      input[2] = 'V';
      input[3] = 1;
      System.arraycopy(junk, 0, input, 4, junk.length);
    }
    assertThat(tryOpen(input, Map.of(), false)).isNull();
    assertThat(tryOpen(input, Map.of(), true)).isNull();
    try {
      Envelope.inspect(input);
    } catch (MalformedEnvelopeException expected) {
      // the only error inspect may raise
    }
  }

  @Property(tries = 1500)
  void mutatedHeadersGiveOnlyTypedErrors(
      @ForAll @IntRange(min = 1, max = 6) int mutations,
      @ForAll boolean cobblestone,
      @ForAll long seed) {
    Random random = new Random(seed);
    byte[] plaintext = randomBytes(100, seed);
    byte[] original =
        (cobblestone ? cobblestoneEnvelope : envelope).encrypt("r2", plaintext, Map.of("k", "v"));
    byte[] sealed = original.clone();
    int headerEnd = Envelope.inspect(sealed).headerBytes();
    for (int i = 0; i < mutations; i++) {
      sealed[random.nextInt(headerEnd)] = (byte) random.nextInt(256);
    }
    byte[] result = tryOpen(sealed, Map.of("k", "v"), random.nextBoolean());
    if (result != null) {
      // Only mutations confined to the recipients (one of two still usable) may leave it readable.
      int recipientsStart = authenticatedLength(original);
      assertThat(result).isEqualTo(plaintext);
      assertThat(Arrays.equals(sealed, 0, recipientsStart, original, 0, recipientsStart)).isTrue();
    }
    try {
      Envelope.inspect(sealed);
    } catch (MalformedEnvelopeException expected) {
      // the only error inspect may raise
    }
  }

  /**
   * Opens, returning the plaintext, or null after an allowed typed failure. Any other exception
   * fails the property.
   */
  private static byte[] tryOpen(byte[] bytes, Map<String, String> context, boolean stream) {
    try {
      return stream
          ? openStreaming(bytes, context, new Random(bytes.length))
          : envelope.decrypt(bytes, context);
    } catch (MalformedEnvelopeException | AuthenticationException e) {
      assertThat(e.getMessage()).isNotBlank();
      return null;
    } catch (KeyUnavailableException e) {
      // A changed KEK reference or key id points at no allowed KEK: typed, never retryable.
      assertThat(e.retryable()).isFalse();
      return null;
    } catch (Exception e) {
      return fail("untyped failure " + e, e);
    }
  }

  private static int authenticatedLength(byte[] sealed) {
    return HeaderCodec.PREFIX_BYTES + HeaderCodec.u16(sealed, 4);
  }

  private static byte[] sealStreaming(
      String key, byte[] plaintext, Map<String, String> context, Random random) throws IOException {
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    try (OutputStream out = envelope.encryptingStream(key, sink, context)) {
      int pos = 0;
      while (pos < plaintext.length) {
        int n = Math.min(plaintext.length - pos, 1 + random.nextInt(40_000));
        if (n == 1 && random.nextBoolean()) {
          out.write(plaintext[pos]);
        } else {
          out.write(plaintext, pos, n);
        }
        pos += n;
      }
    }
    return sink.toByteArray();
  }

  private static byte[] openStreaming(byte[] sealed, Map<String, String> context, Random random)
      throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (InputStream in = envelope.decryptingStream(new ByteArrayInputStream(sealed), context)) {
      byte[] buf = new byte[1 + random.nextInt(30_000)];
      int n;
      while ((n = in.read(buf, 0, 1 + random.nextInt(buf.length))) >= 0) {
        out.write(buf, 0, n);
      }
    }
    return out.toByteArray();
  }

  static byte[] randomBytes(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }
}
