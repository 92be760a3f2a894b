package dev.envelope.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Streams hold one chunk in memory: 1 GiB goes through encryptingStream and decryptingStream in a
 * JVM whose whole heap is 64 MiB.
 */
class StreamMemoryTest {
  @Test
  void streams1GibWithA64MibHeap(@TempDir Path dir) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process process =
        new ProcessBuilder(
                java,
                "-Xmx64m",
                "-cp",
                System.getProperty("java.class.path"),
                StreamMemoryMain.class.getName(),
                dir.toString(),
                "1024")
            .redirectErrorStream(true)
            .start();
    boolean finished = process.waitFor(180, TimeUnit.SECONDS);
    if (!finished) {
      process.destroyForcibly();
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(finished).as("finished in time").isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    assertThat(output).contains("ok 1074790").contains("max heap 64 MiB");
  }
}
