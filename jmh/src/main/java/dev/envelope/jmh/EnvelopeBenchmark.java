package dev.envelope.jmh;

import dev.envelope.core.DataKeyCacheLimits;
import dev.envelope.core.Envelope;
import dev.envelope.core.KeyPolicy;
import dev.envelope.core.LocalConfig;
import dev.envelope.core.local.LocalKekProvider;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Envelope with a local KEK: the byte[] API (A256GCM) with a warm data key cache, the same with the
 * cache off (a new data key and an AES-KWP wrap per message), and the streams (Cobblestone-256).
 * One shared, thread-safe facade, as an application would use it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class EnvelopeBenchmark {
  @Param({"64", "1024", "65536", "1048576"})
  int size;

  private static final Map<String, String> CONTEXT = Map.of("tenant", "acme");
  private Path dir;
  private Envelope envelope;
  private byte[] plaintext;
  private byte[] sealed;
  private byte[] streamed;

  /** The stream's envelope length for this size (measured in set-up: it is the same each time). */
  private int sealedLength;

  @Setup
  public void setUp() throws Exception {
    dir = Files.createTempDirectory("envelope-jmh-");
    LocalKekProvider.generate(dir.resolve("bench.key"));
    KeyPolicy policy =
        KeyPolicy.builder()
            .key(
                "warm",
                List.of("local://bench"),
                List.of(),
                1,
                new DataKeyCacheLimits(
                    Duration.ofDays(1),
                    DataKeyCacheLimits.MAX_MESSAGES_CAP,
                    DataKeyCacheLimits.MAX_BYTES_CAP))
            .key(
                "cold",
                List.of("local://bench"),
                List.of(),
                1,
                new DataKeyCacheLimits(Duration.ofMinutes(5), 1, 1L << 30))
            .build();
    envelope =
        Envelope.builder()
            .policy(policy)
            .localConfig(
                LocalConfig.builder().provider("local", Map.of("dir", dir.toString())).build())
            .build();
    plaintext = Payloads.of(size);
    sealed = envelope.encrypt("warm", plaintext, CONTEXT);
    sealedLength = size + 64 * 1024;
    streamed = streamEncrypt().toByteArray();
    sealedLength = streamed.length;
  }

  @TearDown
  public void tearDown() throws Exception {
    envelope.close();
    Files.deleteIfExists(dir.resolve("bench.key"));
    Files.deleteIfExists(dir);
  }

  @Benchmark
  public byte[] encrypt() {
    return envelope.encrypt("warm", plaintext, CONTEXT);
  }

  @Benchmark
  public byte[] decrypt() {
    return envelope.decrypt(sealed, CONTEXT);
  }

  @Benchmark
  public byte[] encryptNoCache() {
    return envelope.encrypt("cold", plaintext, CONTEXT);
  }

  /**
   * Seals into a sink that holds the envelope without growing, and hands the sink to the blackhole:
   * one allocation of the output and one pass into it, as raw JCE's {@code doFinal} has. Until
   * issue 20 the sink was sized {@code size + 256} (too small for 1 MiB, whose chunk tags alone are
   * 1 KiB, so it doubled to 2 MiB) and copied once more by {@code toByteArray}: two passes over the
   * data that were the benchmark's, not the stream's.
   */
  @Benchmark
  public ByteArrayOutputStream streamEncrypt() throws Exception {
    ByteArrayOutputStream sink = new ByteArrayOutputStream(sealedLength);
    try (OutputStream out = envelope.encryptingStream("warm", sink, CONTEXT)) {
      out.write(plaintext);
    }
    return sink;
  }

  @Benchmark
  public long streamDecrypt() throws Exception {
    long n = 0;
    byte[] buf = new byte[16384];
    try (InputStream in = envelope.decryptingStream(new ByteArrayInputStream(streamed), CONTEXT)) {
      int r;
      while ((r = in.read(buf)) >= 0) {
        n += r;
      }
    }
    return n;
  }
}
