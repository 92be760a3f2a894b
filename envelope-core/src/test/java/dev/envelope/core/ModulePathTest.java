package dev.envelope.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * envelope-core as a named module: a JVM with the core and its dependencies on the module path
 * seals and opens a message through the exported API, and is refused the packages the module does
 * not export ({@code format}, {@code internal}).
 */
class ModulePathTest {
  /** The jars the core module needs at run time (the rest of the test class path stays out). */
  private static final List<String> RUNTIME =
      List.of(
          "jackson-",
          "snakeyaml",
          "caffeine",
          "resilience4j-",
          "tink-",
          "protobuf-java",
          "gson",
          "slf4j-",
          "error_prone_annotations",
          "jspecify",
          "checker-qual");

  @Test
  void theApiWorksOnTheModulePathAndTheInternalsAreNotExported(@TempDir Path dir) throws Exception {
    String classPath = System.getProperty("java.class.path");
    String modulePath =
        Arrays.stream(classPath.split(File.pathSeparator))
            .filter(
                e ->
                    e.endsWith(Path.of("target", "classes").toString())
                        || RUNTIME.stream()
                            .anyMatch(name -> Path.of(e).getFileName().toString().startsWith(name)))
            .collect(Collectors.joining(File.pathSeparator));
    String testClasses =
        Arrays.stream(classPath.split(File.pathSeparator))
            .filter(e -> e.endsWith(Path.of("target", "test-classes").toString()))
            .findFirst()
            .orElseThrow();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process process =
        new ProcessBuilder(
                java,
                "--module-path",
                modulePath,
                "--add-modules",
                "dev.envelope.core",
                "-cp",
                testClasses,
                "dev.envelope.modulepath.ModulePathMain",
                dir.toString())
            .redirectErrorStream(true)
            .start();
    boolean finished = process.waitFor(120, TimeUnit.SECONDS);
    if (!finished) {
      process.destroyForcibly();
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(finished).as("finished in time").isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    assertThat(output)
        .contains("module dev.envelope.core")
        .contains("round trip ok")
        .contains("dev.envelope.core.internal not exported")
        .contains("dev.envelope.core.internal refused: IllegalAccessException")
        .contains("dev.envelope.core.format not exported")
        .contains("dev.envelope.core.format refused: IllegalAccessException")
        .doesNotContain("callable from outside");
  }
}
