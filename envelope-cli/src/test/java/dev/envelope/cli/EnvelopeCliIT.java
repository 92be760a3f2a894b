package dev.envelope.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End to end: the real jar, as a process, through files, pipes and every documented failure. */
class EnvelopeCliIT {
  @TempDir Path dir;
  private Path policy;
  private Path message;

  @BeforeEach
  void setUp() throws Exception {
    Files.createDirectory(dir.resolve("keys"));
    assertThat(cli().run("keygen", "local", "--out", "keys/dev.key").exit()).isZero();
    assertThat(cli().run("keygen", "tink-keyset", "--out", "keys/eu.json").exit()).isZero();
    policy = dir.resolve("keys/policy.yaml");
    Files.writeString(
        policy,
        """
        version: 1
        keys:
          payments:
            keks: [local://dev, tink-keyset://eu]
        """);
    message = dir.resolve("message.txt");
    Files.writeString(message, "the eagle lands at dawn\n".repeat(1000));
  }

  private CliProcess cli() {
    return new CliProcess(dir);
  }

  @Test
  void keygenCreatesOwnerOnlyFilesAndRefusesToOverwrite() throws Exception {
    Path key = dir.resolve("keys/dev.key");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key)))
        .isEqualTo("rw-------");
    assertThat(Files.size(key)).isEqualTo(32);
    byte[] before = Files.readAllBytes(key);

    CliProcess.Result again = cli().run("keygen", "local", "--out", "keys/dev.key");
    assertThat(again.exit()).isEqualTo(6);
    assertThat(again.stderr()).contains("already exists; pass --force");
    assertThat(Files.readAllBytes(key)).isEqualTo(before);

    assertThat(cli().run("keygen", "local", "--out", "keys/dev.key", "--force").exit()).isZero();
    assertThat(Files.readAllBytes(key)).isNotEqualTo(before);

    CliProcess.Result badName = cli().run("keygen", "local", "--out", "keys/dev.txt");
    assertThat(badName.exit()).isEqualTo(2);
    assertThat(badName.stderr()).contains("--out must name a file NAME.key");
  }

  @Test
  void roundTripThroughFiles() throws Exception {
    CliProcess.Result enc =
        cli()
            .run(
                "encrypt",
                "-p",
                policy.toString(),
                "-k",
                "payments",
                "-C",
                "tenant=acme",
                "-C",
                "region=eu",
                "--in",
                "message.txt",
                "--out",
                "message.env");
    assertThat(enc.exit()).as(enc.stderr()).isZero();
    CliProcess.Result dec =
        cli()
            .run(
                "decrypt",
                "-p",
                policy.toString(),
                "-C",
                "tenant=acme",
                "-C",
                "region=eu",
                "--in",
                "message.env",
                "--out",
                "message.out");
    assertThat(dec.exit()).as(dec.stderr()).isZero();
    assertThat(Files.readAllBytes(dir.resolve("message.out")))
        .isEqualTo(Files.readAllBytes(message));
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dir.resolve("message.out"))))
        .isEqualTo("rw-------");
  }

  @Test
  void roundTripThroughPipes() throws Exception {
    Path sealed = dir.resolve("piped.env");
    CliProcess.Result enc =
        cli()
            .stdin(message)
            .stdout(sealed)
            .run("encrypt", "-p", policy.toString(), "-k", "payments");
    assertThat(enc.exit()).as(enc.stderr()).isZero();
    Path opened = dir.resolve("piped.out");
    CliProcess.Result dec =
        cli().stdin(sealed).stdout(opened).run("decrypt", "-p", policy.toString());
    assertThat(dec.exit()).as(dec.stderr()).isZero();
    assertThat(Files.readAllBytes(opened)).isEqualTo(Files.readAllBytes(message));
  }

  @Test
  void streams200MibWithA64MibHeap() throws Exception {
    Path big = dir.resolve("big.bin");
    byte[] expected = writeRandom(big, 200L << 20);
    CliProcess.Result enc =
        cli()
            .jvm("-Xmx64m")
            .run(
                "encrypt",
                "-p",
                policy.toString(),
                "-k",
                "payments",
                "-i",
                "big.bin",
                "-o",
                "big.env");
    assertThat(enc.exit()).as(enc.stderr()).isZero();
    Files.delete(big);
    Path opened = dir.resolve("big.out");
    CliProcess.Result dec =
        cli()
            .jvm("-Xmx64m")
            .stdout(opened)
            .run("decrypt", "-p", policy.toString(), "-i", "big.env");
    assertThat(dec.exit()).as(dec.stderr()).isZero();
    assertThat(sha256(opened)).isEqualTo(expected);
  }

  @Test
  void inspectJsonDescribesTheEnvelope() throws Exception {
    cli()
        .run(
            "encrypt",
            "-p",
            policy.toString(),
            "-k",
            "payments",
            "-C",
            "tenant=acme",
            "-i",
            "message.txt",
            "-o",
            "message.env");
    CliProcess.Result r =
        cli().run("inspect", "--json", "--policy", policy.toString(), "message.env");
    assertThat(r.exit()).as(r.stderr()).isZero();
    JsonNode json = new ObjectMapper().readTree(r.stdout());
    assertThat(json.get("formatVersion").asInt()).isEqualTo(1);
    assertThat(json.get("algorithm").asText()).isEqualTo("cobblestone-256");
    assertThat(json.get("logicalKey").asText()).isEqualTo("payments");
    assertThat(json.get("context").get("tenant").asText()).isEqualTo("acme");
    assertThat(json.get("plaintextBytes").asLong()).isEqualTo(Files.size(message));
    assertThat(json.get("headerBytes").asLong() + json.get("bodyBytes").asLong())
        .isEqualTo(Files.size(dir.resolve("message.env")));
    JsonNode recipients = json.get("recipients");
    assertThat(recipients).hasSize(2);
    assertThat(recipients.get(0).get("kekUri").asText()).isEqualTo("local://dev");
    assertThat(recipients.get(0).get("wrapAlgorithm").asText()).isEqualTo("A256KWP");
    assertThat(recipients.get(0).get("status").asText()).isEqualTo("active");
    assertThat(recipients.get(1).get("kekUri").asText()).isEqualTo("tink-keyset://eu");
    assertThat(recipients.get(1).get("kekReference").asText()).hasSize(16);

    CliProcess.Result text = cli().run("inspect", "message.env");
    assertThat(text.stdout()).contains("logical key  payments").contains("recipients   2");
  }

  @Test
  void rewrapInPlaceReportsDecryptOnlyKeks() throws Exception {
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
            "a.env");
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
            "b.env");
    assertThat(cli().run("keygen", "local", "--out", "keys/next.key").exit()).isZero();
    Path rotating = dir.resolve("keys/rotating.yaml");
    Files.writeString(
        rotating,
        """
        version: 1
        keys:
          payments:
            keks: [local://next]
            decryptOnly: [local://dev, tink-keyset://eu]
        """);
    CliProcess.Result r = cli().run("rewrap", "-p", rotating.toString(), "a.env", "b.env");
    assertThat(r.exit()).as(r.stderr()).isZero();
    assertThat(r.stdout())
        .contains("rewrapped a.env (dropped decrypt-only local://dev, tink-keyset://eu)")
        .contains("2 of 2 files rewrapped; 2 referenced decrypt-only KEKs");
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .noneMatch(n -> n.contains("envelope-tmp"));
    }
    Path onlyNext = dir.resolve("keys/next.yaml");
    Files.writeString(onlyNext, "version: 1\nkeys:\n  payments:\n    keks: [local://next]\n");
    CliProcess.Result dec =
        cli().run("decrypt", "-p", onlyNext.toString(), "-i", "a.env", "-o", "a.out");
    assertThat(dec.exit()).as(dec.stderr()).isZero();
    assertThat(Files.readAllBytes(dir.resolve("a.out"))).isEqualTo(Files.readAllBytes(message));

    CliProcess.Result missing = cli().run("rewrap", "-p", rotating.toString(), "a.env", "nope.env");
    assertThat(missing.exit()).isEqualTo(6);
    // a.env is current now: skipped, not rewrapped again
    assertThat(missing.stdout())
        .contains("current a.env (nothing to do)")
        .contains("0 of 2 files rewrapped")
        .contains("1 already current, 0 not envelopes, 1 failed");
    assertThat(missing.stderr()).contains("nope.env: I/O error: no such file");
  }

  @Test
  void demoWalksThroughAndCleansUp() throws Exception {
    CliProcess.Result r = cli().run("demo");
    assertThat(r.exit()).as(r.stderr()).isZero();
    assertThat(r.stdout())
        .contains("Decrypted it with the same context")
        .contains("(identical)")
        .contains("tenant=evil is refused: AuthenticationException")
        .contains("one flipped bit is refused: AuthenticationException")
        .contains("Removed ");
    String removed = r.stdout().substring(r.stdout().indexOf("Removed ") + 8).strip();
    assertThat(Path.of(removed)).doesNotExist();
  }

  @Test
  void helpAndVersion() throws Exception {
    for (String command :
        new String[] {
          "keygen",
          "encrypt",
          "decrypt",
          "inspect",
          "rewrap",
          "scan",
          "policy",
          "doctor",
          "kms-plugin",
          "demo"
        }) {
      CliProcess.Result r = cli().run(command, "--help");
      assertThat(r.exit()).isZero();
      assertThat(r.stdout()).startsWith("Usage: envelope " + command);
    }
    CliProcess.Result help = cli().run("--help");
    assertThat(help.stdout()).contains("Exit codes:").contains("3  authentication failed");
    assertThat(cli().run("--version").stdout()).startsWith("envelope ").contains("(format v1)");
  }

  // ---------------------------------------------------------------- bad input, one per case

  @Test
  void wrongKeyExits3() throws Exception {
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
            "m.env");
    Path other = Files.createDirectory(dir.resolve("other"));
    new CliProcess(other).run("keygen", "local", "--out", "dev.key");
    new CliProcess(other).run("keygen", "tink-keyset", "--out", "eu.json");
    Path otherPolicy = other.resolve("policy.yaml");
    Files.copy(policy, otherPolicy);
    assertFailure(
        cli().run("decrypt", "-p", otherPolicy.toString(), "-i", "m.env", "-o", "m.out"),
        3,
        "authentication failed",
        "did not authenticate under");
    assertThat(dir.resolve("m.out")).doesNotExist();
  }

  @Test
  void tamperedEnvelopeExits3AndLeavesNoPartialPlaintext() throws Exception {
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
            "m.env");
    byte[] sealed = Files.readAllBytes(dir.resolve("m.env"));
    sealed[sealed.length - 30] ^= 1;
    Files.write(dir.resolve("m.env"), sealed);
    assertFailure(
        cli().run("decrypt", "-p", policy.toString(), "-i", "m.env", "-o", "m.out"),
        3,
        "authentication failed",
        "did not authenticate");
    assertThat(dir.resolve("m.out")).doesNotExist();
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .noneMatch(n -> n.contains("envelope-tmp"));
    }
  }

  @Test
  void truncatedEnvelopeExits3() throws Exception {
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
            "m.env");
    byte[] sealed = Files.readAllBytes(dir.resolve("m.env"));
    Files.write(dir.resolve("t.env"), java.util.Arrays.copyOf(sealed, sealed.length - 100));
    assertFailure(
        cli().run("decrypt", "-p", policy.toString(), "-i", "t.env", "-o", "t.out"),
        3,
        "authentication failed",
        "truncated");
    assertThat(dir.resolve("t.out")).doesNotExist();
  }

  @Test
  void wrongContextExits3() throws Exception {
    cli()
        .run(
            "encrypt",
            "-p",
            policy.toString(),
            "-k",
            "payments",
            "-C",
            "tenant=acme",
            "-i",
            "message.txt",
            "-o",
            "m.env");
    assertFailure(
        cli().run("decrypt", "-p", policy.toString(), "-C", "tenant=evil", "-i", "m.env"),
        3,
        "authentication failed",
        "context given does not match");
  }

  @Test
  void notAnEnvelopeExits5() throws Exception {
    assertFailure(
        cli().run("decrypt", "-p", policy.toString(), "-i", "message.txt"),
        5,
        "malformed input",
        "not an envelope");
    assertFailure(cli().run("inspect", "message.txt"), 5, "malformed input", "magic bytes");
  }

  @Test
  void missingInputExits6() throws Exception {
    assertFailure(
        cli().run("decrypt", "-p", policy.toString(), "-i", "absent.env"),
        6,
        "I/O error",
        "no such file: absent.env");
  }

  @Test
  void unreadablePolicyExits7() throws Exception {
    Files.writeString(
        dir.resolve("bad.yaml"), "version: 1\nkeys:\n  payments:\n    keks: [oops]\n");
    assertFailure(
        cli().run("encrypt", "-p", "bad.yaml", "-k", "payments", "-i", "message.txt"),
        7,
        "invalid configuration",
        "bad.yaml: keys.payments.keks[0]: not a KEK URI");
    assertFailure(
        cli().run("encrypt", "-p", "absent.yaml", "-k", "payments", "-i", "message.txt"),
        7,
        "invalid configuration",
        "absent.yaml: file not found");
  }

  @Test
  void unknownLogicalKeyExits4() throws Exception {
    assertFailure(
        cli().run("encrypt", "-p", policy.toString(), "-k", "orders", "-i", "message.txt"),
        4,
        "key unavailable",
        "no logical key 'orders'; it has: payments");
  }

  @Test
  void missingKeyFileExits4() throws Exception {
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
            "m.env");
    Files.delete(dir.resolve("keys/dev.key"));
    Files.delete(dir.resolve("keys/eu.json"));
    assertFailure(
        cli().run("decrypt", "-p", policy.toString(), "-i", "m.env"),
        4,
        "key unavailable",
        "key file of local://dev was not found");
  }

  @Test
  void usageErrorExits2() throws Exception {
    assertFailure(
        cli().run("encrypt", "-p", "p.yaml", "-k", "k", "--bogus"),
        2,
        "usage error",
        "Unknown option: '--bogus'");
    assertFailure(cli().run("frobnicate"), 2, "usage error", "Unmatched argument");
  }

  @Test
  void verbosePrintsTheStackTrace() throws Exception {
    CliProcess.Result r =
        cli().run("decrypt", "--verbose", "-p", policy.toString(), "-i", "message.txt");
    assertThat(r.exit()).isEqualTo(5);
    assertThat(r.stderr()).contains("\tat dev.envelope.core.format.HeaderCodec");
  }

  private static void assertFailure(CliProcess.Result r, int exit, String label, String detail) {
    assertThat(r.exit()).as(r.stderr()).isEqualTo(exit);
    String firstLine = r.stderr().lines().findFirst().orElse("");
    assertThat(firstLine).contains(label).contains(detail);
    assertThat(r.stderr()).as("no stack trace without --verbose").doesNotContain("\tat ");
  }

  private static byte[] writeRandom(Path file, long bytes) throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    Random random = new Random(1);
    byte[] block = new byte[1 << 20];
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
      for (long left = bytes; left > 0; left -= block.length) {
        random.nextBytes(block);
        int n = (int) Math.min(block.length, left);
        out.write(block, 0, n);
        sha.update(block, 0, n);
      }
    }
    return sha.digest();
  }

  private static byte[] sha256(Path file) throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) {
        sha.update(buf, 0, n);
      }
    }
    return sha.digest();
  }
}
