package dev.envelope.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * No KEK call blocks while pinning a carrier thread: {@link PinningProbe} runs the facade's paths
 * on 200 virtual threads under JFR on JDK 25 (found at {@code /usr/lib/jvm/temurin-25-jdk-amd64} or
 * {@code JAVA_25_HOME}) and must record no {@code jdk.VirtualThreadPinned} event. Skipped where no
 * JDK 21+ is installed (the build itself targets 17).
 */
class VirtualThreadPinningTest {
  @org.junit.jupiter.api.io.TempDir Path dir;

  private static String run(String... command) throws Exception {
    Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(180, TimeUnit.SECONDS)).as(String.join(" ", command)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }

  @Test
  void noPinnedVirtualThreadsOnJdk25() throws Exception {
    Path home =
        Path.of(System.getenv().getOrDefault("JAVA_25_HOME", "/usr/lib/jvm/temurin-25-jdk-amd64"));
    Path java = home.resolve("bin/java");
    assumeTrue(Files.isExecutable(java), "no JDK 25 at " + home);
    Path recording = dir.resolve("pinning.jfr");
    Path settings = Path.of("src/test/resources/pinning.jfc").toAbsolutePath();
    String out =
        run(
            java.toString(),
            "-XX:StartFlightRecording:filename="
                + recording
                + ",dumponexit=true,settings="
                + settings,
            "-cp",
            System.getProperty("java.class.path"),
            PinningProbe.class.getName());
    assertThat(out).contains("workload done");
    String events =
        run(
            home.resolve("bin/jfr").toString(),
            "print",
            "--events",
            "jdk.VirtualThreadPinned",
            recording.toString());
    System.out.println(events);
    assertThat(events).as("pinned virtual threads").doesNotContain("jdk.VirtualThreadPinned");
    // The recording itself worked: it holds the probe's own virtual-thread events' metadata.
    assertThat(run(home.resolve("bin/jfr").toString(), "summary", recording.toString()))
        .contains("jdk.VirtualThreadPinned");
  }
}
