package dev.envelope.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/FORMAT.md is complete enough to implement from: docs/reference/open-v1.mjs, a reader written
 * from it in Node.js with only the standard library, opens the golden envelopes and envelopes this
 * build writes now. Node ships with the build machines; outside CI the test is skipped without it,
 * in CI (CI=true) its absence fails.
 */
class IndependentReaderTest {
  private static final Path SCRIPT = Path.of("..", "docs", "reference", "open-v1.mjs");

  @Test
  void nodeReaderOpensTheGoldenEnvelopes() throws Exception {
    String output = node("check-golden", "src/test/resources/golden/v1");
    assertThat(output).contains("5 passed, 0 failed");
  }

  @Test
  void nodeReaderOpensWhatThisBuildWrites(@TempDir Path dir) throws Exception {
    try (Fixture fixture = new Fixture()) {
      String kek = fixture.local("today");
      byte[] plaintext = EnvelopeProperties.randomBytes(50_000, 11);
      Map<String, String> context = Map.of("tenant", "acme", "ü", "✓");
      String json = "{\"tenant\":\"acme\",\"ü\":\"✓\"}";
      try (Envelope e = fixture.envelope(Fixture.policy("k", kek, fixture.tink("other")))) {
        // The byte[] API writes A256GCM, a stream Cobblestone-256: the reader must open both.
        java.io.ByteArrayOutputStream streamed = new java.io.ByteArrayOutputStream();
        try (java.io.OutputStream out = e.encryptingStream("k", streamed, context)) {
          out.write(plaintext);
        }
        for (byte[] sealed :
            new byte[][] {e.encrypt("k", plaintext, context), streamed.toByteArray()}) {
          Path file = dir.resolve("today.env");
          Files.write(file, sealed);
          Path out = dir.resolve("today.plain");
          node(
              out, "open", file.toString(), kek, fixture.dir.resolve("today.key").toString(), json);
          assertThat(Files.readAllBytes(out)).isEqualTo(plaintext);
        }
      }
    }
  }

  private static String node(String... args) throws Exception {
    return node(null, args);
  }

  private static String node(Path stdout, String... args) throws Exception {
    boolean haveNode =
        Files.isExecutable(Path.of("/usr/bin/node"))
            || (System.getenv("PATH") != null
                && java.util.Arrays.stream(System.getenv("PATH").split(":"))
                    .anyMatch(p -> Files.isExecutable(Path.of(p, "node"))));
    if (!"true".equals(System.getenv("CI"))) {
      assumeTrue(haveNode, "node is not installed; CI requires it");
    }
    String[] command = new String[args.length + 2];
    command[0] = "node";
    command[1] = SCRIPT.toString();
    System.arraycopy(args, 0, command, 2, args.length);
    ProcessBuilder pb = new ProcessBuilder(command);
    if (stdout != null) {
      pb.redirectOutput(stdout.toFile());
    }
    Process p = pb.start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String out =
        stdout == null ? new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8) : "";
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(err).isZero();
    return out;
  }
}
