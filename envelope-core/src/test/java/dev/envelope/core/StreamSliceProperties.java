package dev.envelope.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
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
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The streams' two paths for the data (issue 20): a write of a whole chunk is sealed where it lies
 * and a read with room for a whole chunk is opened straight into the caller's array; everything
 * else goes through the stream's own buffers. Any mix of slice sizes round-trips, and a tampered
 * chunk opened into the caller's array leaves nothing of its plaintext there.
 */
class StreamSliceProperties {
  private static final int CHUNK = 16384;
  private static final Map<String, String> CONTEXT = Map.of("tenant", "acme");
  private static Fixture fixture;
  private static Envelope envelope;

  @BeforeContainer
  static void setUp() {
    fixture = new Fixture();
    envelope = fixture.envelope(Fixture.policy("k", fixture.local("a")));
  }

  @AfterContainer
  static void tearDown() {
    envelope.close();
    fixture.close();
  }

  @Provide
  Arbitrary<Integer> sizes() {
    return Arbitraries.oneOf(
        Arbitraries.of(0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 3 * CHUNK + 5, 5 * CHUNK),
        Arbitraries.integers().between(0, 6 * CHUNK));
  }

  /** Slice lengths either side of a chunk, so both paths and the switch between them occur. */
  @Provide
  Arbitrary<List<Integer>> slices() {
    return Arbitraries.oneOf(
            Arbitraries.of(1, 7, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK + 3, 70_000),
            Arbitraries.integers().between(1, 3 * CHUNK))
        .list()
        .ofMinSize(1)
        .ofMaxSize(8);
  }

  @Property(tries = 60)
  void anyMixOfSlicesRoundTrips(
      @ForAll("sizes") int size,
      @ForAll("slices") List<Integer> writes,
      @ForAll("slices") List<Integer> reads)
      throws Exception {
    byte[] plaintext = EnvelopeProperties.randomBytes(size, size * 31L + writes.hashCode());
    byte[] sealed = seal(plaintext, writes);
    assertThat(envelope.decrypt(sealed, CONTEXT)).isEqualTo(plaintext);

    ByteArrayOutputStream opened = new ByteArrayOutputStream();
    try (InputStream in = envelope.decryptingStream(new ByteArrayInputStream(sealed), CONTEXT)) {
      for (int i = 0; ; i++) {
        int len = reads.get(i % reads.size());
        // An offset into a larger array, so a direct read that ignored it would be caught.
        byte[] buffer = new byte[len + 3];
        int n = in.read(buffer, 3, len);
        if (n < 0) {
          break;
        }
        assertThat(n).isPositive().isLessThanOrEqualTo(len);
        opened.write(buffer, 3, n);
      }
    }
    assertThat(opened.toByteArray()).isEqualTo(plaintext);
  }

  @Property(tries = 30)
  void aTamperedChunkLeavesNoPlaintextInTheCallersArray(
      @ForAll("sizes") int size, @ForAll("slices") List<Integer> writes, @ForAll long seed)
      throws Exception {
    byte[] plaintext = EnvelopeProperties.randomBytes(Math.max(size, 1), seed);
    byte[] sealed = seal(plaintext, writes);
    int header = Envelope.inspect(sealed).headerBytes();
    int bodyStart = header + 56; // salt and commitment
    Random random = new Random(seed);
    int flipped = bodyStart + random.nextInt(sealed.length - bodyStart);
    sealed[flipped] ^= (byte) (1 << random.nextInt(8));
    int badChunk = (flipped - bodyStart) / (CHUNK + 16);

    byte[] buffer = new byte[CHUNK + 10];
    try (InputStream in = envelope.decryptingStream(new ByteArrayInputStream(sealed), CONTEXT)) {
      for (int chunk = 0; chunk < badChunk; chunk++) {
        assertThat(in.read(buffer, 5, CHUNK)).isEqualTo(CHUNK);
      }
      Arrays.fill(buffer, (byte) 0x55);
      assertThatThrownBy(() -> in.read(buffer, 5, CHUNK + 5))
          .isInstanceOf(AuthenticationException.class)
          .hasMessageContaining("chunk " + badChunk);
      int from = badChunk * CHUNK;
      int to = Math.min(plaintext.length, from + CHUNK);
      if (to - from >= 8) {
        assertThat(indexOf(buffer, Arrays.copyOfRange(plaintext, from, from + 8)))
            .as("no plaintext of the failed chunk in the caller's array")
            .isNegative();
      }
      assertThat(buffer[0]).as("nothing written before the offset").isEqualTo((byte) 0x55);
      assertThatThrownBy(() -> in.read(buffer, 0, CHUNK))
          .as("a failed stream stays failed")
          .isInstanceOf(AuthenticationException.class);
    }
  }

  private static byte[] seal(byte[] plaintext, List<Integer> writes) throws Exception {
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    try (OutputStream out = envelope.encryptingStream("k", sink, CONTEXT)) {
      int off = 0;
      for (int i = 0; off < plaintext.length; i++) {
        int len = Math.min(writes.get(i % writes.size()), plaintext.length - off);
        out.write(plaintext, off, len);
        off += len;
      }
    }
    return sink.toByteArray();
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
