package dev.envelope.core;

import dev.envelope.core.local.LocalKekProvider;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;

/**
 * Run by {@link StreamMemoryTest} in a JVM with a small heap: streams MEGABYTES of generated data
 * through encryptingStream into a file and back through decryptingStream, comparing SHA-256
 * digests. Prints "ok" and exits 0 on success.
 */
public final class StreamMemoryMain {
  private StreamMemoryMain() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    long megabytes = Long.parseLong(args[1]);
    LocalKekProvider.generate(dir.resolve("big.key"));
    KeyPolicy policy =
        KeyPolicy.builder()
            .key("big", java.util.List.of("local://big"), java.util.List.of())
            .build();
    LocalConfig config =
        LocalConfig.builder().provider("local", Map.of("dir", dir.toString())).build();
    Path sealed = dir.resolve("big.env");
    MessageDigest written = MessageDigest.getInstance("SHA-256");
    MessageDigest read = MessageDigest.getInstance("SHA-256");
    try (Envelope envelope = Envelope.builder().policy(policy).localConfig(config).build()) {
      Random random = new Random(42);
      byte[] block = new byte[64 * 1024 + 7];
      try (OutputStream out =
          envelope.encryptingStream(
              "big",
              new BufferedOutputStream(Files.newOutputStream(sealed)),
              Map.of("run", "memory"))) {
        long remaining = megabytes << 20;
        while (remaining > 0) {
          random.nextBytes(block);
          int n = (int) Math.min(block.length, remaining);
          written.update(block, 0, n);
          out.write(block, 0, n);
          remaining -= n;
        }
      }
      try (InputStream in =
          envelope.decryptingStream(
              new BufferedInputStream(Files.newInputStream(sealed)), Map.of("run", "memory"))) {
        byte[] buf = new byte[50_000];
        int n;
        while ((n = in.read(buf)) >= 0) {
          read.update(buf, 0, n);
        }
      }
    }
    if (!Arrays.equals(written.digest(), read.digest())) {
      System.out.println("digest mismatch");
      System.exit(1);
    }
    System.out.println(
        "ok "
            + Files.size(sealed)
            + " bytes sealed, max heap "
            + (Runtime.getRuntime().maxMemory() >> 20)
            + " MiB");
  }
}
