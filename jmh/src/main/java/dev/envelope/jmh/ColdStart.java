package dev.envelope.jmh;

import dev.envelope.core.Envelope;
import dev.envelope.core.EnvelopeLimits;
import dev.envelope.core.KeyPolicy;
import dev.envelope.core.LocalConfig;
import dev.envelope.core.local.LocalKekProvider;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Throughput in the first second of a fresh JVM: decrypting one 1 MiB envelope over and over,
 * single-shot (A256GCM: one 1 MiB AES-GCM call) or chunked (Cobblestone-256: 64 calls of 16 KiB).
 * On JDK 17 the AES-GCM intrinsics only apply once C2 has compiled the caller; this shows how soon
 * each shape gets there. Run in a new JVM per mode: {@code ColdStart a256gcm|cobblestone}.
 */
public final class ColdStart {
  private ColdStart() {}

  public static void main(String[] args) throws Exception {
    long start = System.nanoTime();
    boolean chunked = args[0].equals("cobblestone");
    Path dir = Files.createTempDirectory("envelope-cold-");
    LocalKekProvider.generate(dir.resolve("cold.key"));
    try (Envelope envelope =
        Envelope.builder()
            .policy(KeyPolicy.builder().key("k", List.of("local://cold"), List.of()).build())
            .localConfig(
                LocalConfig.builder().provider("local", Map.of("dir", dir.toString())).build())
            .limits(EnvelopeLimits.builder().maxBufferedBodyBytes(chunked ? 0 : 16 << 20).build())
            .build()) {
      byte[] plaintext = Payloads.of(1 << 20);
      byte[] sealed = envelope.encrypt("k", plaintext, Map.of());
      long setup = System.nanoTime() - start;
      long bytes = 0;
      long t0 = System.nanoTime();
      long firstSecondBytes = -1;
      long elapsed;
      byte[] buf = new byte[1 << 16];
      while ((elapsed = System.nanoTime() - t0) < 3_000_000_000L) {
        if (chunked) {
          try (InputStream in =
              envelope.decryptingStream(new ByteArrayInputStream(sealed), Map.of())) {
            int n;
            while ((n = in.read(buf)) >= 0) {
              bytes += n;
            }
          }
        } else {
          bytes += envelope.decrypt(sealed, Map.of()).length;
        }
        if (firstSecondBytes < 0 && System.nanoTime() - t0 >= 1_000_000_000L) {
          firstSecondBytes = bytes;
        }
      }
      long thirdSecondStart = firstSecondBytes;
      System.out.printf(
          "%s setup_ms=%d first_second_MBps=%.0f seconds_2_3_MBps=%.0f%n",
          chunked ? "cobblestone" : "a256gcm",
          setup / 1_000_000,
          firstSecondBytes / 1e6,
          (bytes - thirdSecondStart) / 1e6 / ((elapsed - 1_000_000_000L) / 1e9));
    } finally {
      Files.deleteIfExists(dir.resolve("cold.key"));
      Files.deleteIfExists(dir);
    }
  }
}
