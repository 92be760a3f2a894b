package dev.envelope.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A decrypt killed half way leaves no readable plaintext on disk, whatever the signal: SIGTERM and
 * SIGINT remove the temporary file; after SIGKILL it holds only bytes encrypted under a key that
 * died with the process, and the next run removes it. Also: --verbose and a user's log level.
 */
class KillSafetyIT {
  private static final byte[] LINE =
      "secret-line: the eagle lands at dawn, card 4111 1111\n".getBytes(UTF_8);

  @TempDir Path dir;
  private Path policy;
  private byte[] sealed;

  @BeforeEach
  void setUp() throws Exception {
    Files.createDirectory(dir.resolve("keys"));
    assertThat(cli().run("keygen", "local", "--out", "keys/dev.key").exit()).isZero();
    policy = dir.resolve("keys/policy.yaml");
    Files.writeString(policy, "version: 1\nkeys:\n  payments:\n    keks: [local://dev]\n");
    Path message = dir.resolve("message.txt");
    try (OutputStream out = Files.newOutputStream(message)) {
      for (int i = 0; i < 8 * 1024 * 1024 / LINE.length; i++) {
        out.write(LINE);
      }
    }
    CliProcess.Result enc =
        cli()
            .run(
                "encrypt",
                "-p",
                policy.toString(),
                "-k",
                "payments",
                "-i",
                "message.txt",
                "-o",
                "message.env");
    assertThat(enc.exit()).as(enc.stderr()).isZero();
    sealed = Files.readAllBytes(dir.resolve("message.env"));
    Files.delete(message);
  }

  @Test
  void sigtermRemovesThePartialPlaintext() throws Exception {
    Process p = decryptHalfWay();
    p.destroy(); // SIGTERM
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(dir.resolve("out.txt")).doesNotExist();
    assertThat(temporaryFiles()).isEmpty();
  }

  @Test
  void sigintRemovesThePartialPlaintext() throws Exception {
    Process p = decryptHalfWay();
    Process kill = new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start();
    assertThat(kill.waitFor()).isZero();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(dir.resolve("out.txt")).doesNotExist();
    assertThat(temporaryFiles()).isEmpty();
  }

  @Test
  void sigkillLeavesNothingReadableAndTheNextRunCleansUp() throws Exception {
    Process p = decryptHalfWay();
    p.destroyForcibly(); // SIGKILL: no code of ours runs
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(dir.resolve("out.txt")).doesNotExist();
    List<Path> left = temporaryFiles();
    assertThat(left).hasSize(1);
    byte[] content = Files.readAllBytes(left.get(0));
    assertThat(content.length)
        .as("the killed run had written part of the plaintext")
        .isGreaterThan(1 << 20);
    assertThat(indexOf(content, Arrays.copyOf(LINE, 12)))
        .as("plaintext in the left-over file")
        .isEqualTo(-1);

    // The next run for the same target removes the dead process's file, then succeeds.
    Files.write(dir.resolve("message.env"), sealed);
    CliProcess.Result again =
        cli().run("decrypt", "-p", policy.toString(), "-i", "message.env", "-o", "out.txt");
    assertThat(again.exit()).as(again.stderr()).isZero();
    assertThat(temporaryFiles()).isEmpty();
    assertThat(Files.size(dir.resolve("out.txt")))
        .isEqualTo(8L * 1024 * 1024 / LINE.length * LINE.length);
  }

  @Test
  void rewrapRemovesStaleTemporaryFilesOfDeadProcessesOnly() throws Exception {
    Files.write(dir.resolve("message.env"), sealed);
    // PID 999999999 is above Linux's pid_max: never alive. The test JVM's own PID is alive.
    Path dead = dir.resolve(".message.env.pid999999999-42.envelope-tmp");
    Path alive =
        dir.resolve(".message.env.pid" + ProcessHandle.current().pid() + "-43.envelope-tmp");
    Path other = dir.resolve(".message.env.old.pid999999999-44.envelope-tmp"); // another target's
    for (Path p : List.of(dead, alive, other)) {
      Files.writeString(p, "left over");
    }
    CliProcess.Result r = cli().run("rewrap", "-p", policy.toString(), "message.env");
    assertThat(r.exit()).as(r.stderr()).isZero();
    assertThat(dead).doesNotExist();
    assertThat(alive).exists();
    assertThat(other).exists();
  }

  @Test
  void verboseNeverOverridesALogLevelTheUserChose() throws Exception {
    Files.write(dir.resolve("message.env"), sealed);
    // A second KEK that fails first (its key file is missing) makes the core log at debug level.
    assertThat(cli().run("keygen", "local", "--out", "keys/eu.key").exit()).isZero();
    Files.writeString(
        policy, "version: 1\nkeys:\n  payments:\n    keks: [local://eu, local://dev]\n");
    CliProcess.Result enc =
        cli()
            .run(
                "encrypt",
                "-p",
                policy.toString(),
                "-k",
                "payments",
                "-i",
                "keys/policy.yaml",
                "-o",
                "two.env");
    assertThat(enc.exit()).as(enc.stderr()).isZero();
    Files.delete(dir.resolve("keys/eu.key"));

    CliProcess.Result verbose =
        cli()
            .run("decrypt", "--verbose", "-p", policy.toString(), "-i", "two.env", "-o", "two.out");
    assertThat(verbose.exit()).as(verbose.stderr()).isZero();
    assertThat(verbose.stderr()).contains("DEBUG").contains("Recipient local://eu failed");

    CliProcess.Result quiet =
        cli()
            .jvm("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn")
            .run(
                "decrypt", "--verbose", "-p", policy.toString(), "-i", "two.env", "-o", "two2.out");
    assertThat(quiet.exit()).as(quiet.stderr()).isZero();
    assertThat(quiet.stderr()).doesNotContain("DEBUG");
  }

  // ------------------------------------------------------------------ helpers

  private CliProcess cli() {
    return new CliProcess(dir);
  }

  /**
   * Starts {@code decrypt -o out.txt} reading stdin, feeds it half the envelope and waits until its
   * temporary file holds more than 1 MiB: the process is then blocked mid-message.
   */
  private Process decryptHalfWay() throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                System.getProperty("envelope.jar"),
                "decrypt",
                "-p",
                policy.toString(),
                "-i",
                "-",
                "-o",
                "out.txt"));
    Process p =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectError(dir.resolve("stderr.txt").toFile())
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    OutputStream stdin = p.getOutputStream();
    stdin.write(sealed, 0, sealed.length / 2);
    stdin.flush();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      Optional<Path> temp = temporaryFiles().stream().findFirst();
      if (temp.isPresent() && Files.size(temp.get()) > (1 << 20)) {
        return p; // stdin stays open: the process waits for the rest
      }
      if (!p.isAlive() || System.nanoTime() > deadline) {
        p.destroyForcibly();
        throw new AssertionError(
            "decrypt did not start writing its temporary file: "
                + Files.readString(dir.resolve("stderr.txt")));
      }
      Thread.sleep(20);
    }
  }

  private List<Path> temporaryFiles() throws Exception {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".envelope-tmp")).toList();
    }
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
        return i;
      }
    }
    return -1;
  }
}
