package dev.envelope.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the shaded {@code envelope.jar} as a separate process, as a user would. */
final class CliProcess {
  record Result(int exit, String stdout, String stderr) {}

  private final Path workDir;
  private final List<String> jvmOptions = new ArrayList<>();
  private final java.util.Map<String, String> environment = new java.util.HashMap<>();
  private Path stdin;
  private Path stdout;

  CliProcess(Path workDir) {
    this.workDir = workDir;
  }

  CliProcess jvm(String option) {
    jvmOptions.add(option);
    return this;
  }

  CliProcess env(String name, String value) {
    environment.put(name, value);
    return this;
  }

  CliProcess stdin(Path file) {
    this.stdin = file;
    return this;
  }

  CliProcess stdout(Path file) {
    this.stdout = file;
    return this;
  }

  Result run(String... args) throws IOException, InterruptedException {
    String jar = System.getProperty("envelope.jar");
    assertThat(jar).as("system property envelope.jar (set by failsafe)").isNotNull();
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.add("-jar");
    command.add(jar);
    command.addAll(List.of(args));
    Path out = stdout != null ? stdout : Files.createTempFile(workDir, "stdout", ".txt");
    Path err = Files.createTempFile(workDir, "stderr", ".txt");
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .directory(workDir.toFile())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile());
    pb.environment().putAll(environment);
    if (stdin != null) {
      pb.redirectInput(stdin.toFile());
    }
    Process p = pb.start();
    if (!p.waitFor(300, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("envelope " + String.join(" ", args) + " did not finish in 300 s");
    }
    String stdoutText = stdout != null ? "" : Files.readString(out, StandardCharsets.UTF_8);
    String stderrText = Files.readString(err, StandardCharsets.UTF_8);
    if (stdout == null) {
      Files.delete(out);
    }
    Files.delete(err);
    return new Result(p.exitValue(), stdoutText, stderrText);
  }
}
