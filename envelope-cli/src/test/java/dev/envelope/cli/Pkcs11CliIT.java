package dev.envelope.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI with an HSM KEK: a private SoftHSM2 token (its own config and token directory in a
 * temporary directory), a key made with OpenSC's {@code pkcs11-tool} as the module README shows,
 * and the shaded jar finding the pkcs11 provider on its own.
 */
class Pkcs11CliIT {
  /** The user PIN: distinctive, so that finding it in an output cannot be a coincidence. */
  private static final String PIN = "user-pin-2468";

  private static final String LIBRARY = "/usr/lib/softhsm/libsofthsm2.so";
  private static final String KEK = "pkcs11://token=cli-hsm;object=payments-kek";

  @TempDir Path dir;
  private Path conf;

  @BeforeEach
  void token() throws Exception {
    boolean present =
        Files.isRegularFile(Path.of(LIBRARY)) && onPath("softhsm2-util") && onPath("pkcs11-tool");
    if (!present) {
      if (System.getenv("CI") != null) {
        throw new AssertionError(
            "CI needs softhsm2 and opensc (pkcs11-tool); .ci/run installs them");
      }
      Assumptions.abort("SoftHSM2 or pkcs11-tool missing; PKCS#11 CLI test skipped");
    }
    Path tokens = Files.createDirectories(dir.resolve("tokens"));
    conf = dir.resolve("softhsm2.conf");
    Files.writeString(
        conf,
        "directories.tokendir = "
            + tokens
            + "\nobjectstore.backend = file\n"
            + "log.level = ERROR\n");
    run(
        "softhsm2-util",
        "--init-token",
        "--free",
        "--label",
        "cli-hsm",
        "--pin",
        PIN,
        "--so-pin",
        "13579");
    run(
        "pkcs11-tool",
        "--module",
        LIBRARY,
        "--token-label",
        "cli-hsm",
        "--login",
        "--pin",
        PIN,
        "--keygen",
        "--key-type",
        "AES:32",
        "--label",
        "payments-kek",
        "--id",
        "01",
        "--sensitive",
        "--usage-decrypt");
    Files.writeString(dir.resolve("pin"), PIN + "\n");
    Files.writeString(
        dir.resolve("policy.yaml"), "version: 1\nkeys:\n  payments:\n    keks: ['" + KEK + "']\n");
    Files.writeString(
        dir.resolve("local.yaml"),
        "version: 1\nproviders:\n  pkcs11:\n"
            + "    library: "
            + LIBRARY
            + "\n    pinFile: "
            + dir.resolve("pin")
            + "\n");
    Files.writeString(dir.resolve("message.txt"), "sealed by an HSM key\n");
  }

  private CliProcess cli() {
    return new CliProcess(dir).env("SOFTHSM2_CONF", conf.toString());
  }

  @Test
  void encryptsDecryptsAndInspectsWithAKekInTheToken() throws Exception {
    CliProcess.Result enc =
        cli()
            .run(
                "encrypt",
                "-p",
                "policy.yaml",
                "-c",
                "local.yaml",
                "-k",
                "payments",
                "-i",
                "message.txt",
                "-o",
                "message.env");
    assertThat(enc.exit()).as(enc.stderr()).isZero();
    CliProcess.Result dec =
        cli().run("decrypt", "-p", "policy.yaml", "-c", "local.yaml", "-i", "message.env");
    assertThat(dec.exit()).as(dec.stderr()).isZero();
    assertThat(dec.stdout()).isEqualTo("sealed by an HSM key\n");
    CliProcess.Result inspect = cli().run("inspect", "--policy", "policy.yaml", "message.env");
    assertThat(inspect.stdout()).contains(KEK).contains("A256GCM-HSM");

    Files.writeString(dir.resolve("pin"), "wrong-pin-0000\n");
    CliProcess.Result wrongPin =
        cli().run("decrypt", "-p", "policy.yaml", "-c", "local.yaml", "-i", "message.env");
    assertThat(wrongPin.exit()).isNotZero();
    assertThat(wrongPin.stderr()).contains("CKR_PIN_INCORRECT").doesNotContain("wrong-pin-0000");
  }

  @Test
  void doctorLogsInToTheTokenAndNeverPrintsThePin() throws Exception {
    CliProcess.Result text =
        cli().run("doctor", "-p", "policy.yaml", "--local-config", "local.yaml", "--audit");
    assertThat(text.exit()).as(text.stdout() + text.stderr()).isZero();
    assertThat(text.stdout())
        .containsPattern(
            "identity  PKCS#11 token 'cli-hsm' \\(slot \\d+\\) as CKU_USER  \\(confirmed\\)")
        .contains(
            "via       PKCS#11 module " + LIBRARY + ", user PIN from pinFile " + dir.resolve("pin"))
        .contains("key       AES-256, ENABLED")
        .contains("extractable=false, sensitive=true")
        .endsWith("healthy (exit 0)\n");
    assertThat(text.stderr()).contains("\"probe\":true").contains("CKU_USER");
    CliProcess.Result json = cli().run("doctor", "-p", "policy.yaml", "-c", "local.yaml", "--json");
    assertThat(json.exit()).isZero();
    assertThat(json.stdout()).contains("\"manufacturer\" : \"SoftHSM project\"");
    for (CliProcess.Result r : List.of(text, json)) {
      assertThat(r.stdout()).doesNotContain(PIN);
      assertThat(r.stderr()).doesNotContain(PIN);
    }
  }

  private void run(String... command) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(List.of(command)).redirectErrorStream(true);
    pb.environment().put("SOFTHSM2_CONF", conf.toString());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError(command[0] + " failed: " + out);
    }
  }

  private static boolean onPath(String program) {
    String path = System.getenv("PATH");
    return path != null
        && Stream.of(path.split(":")).anyMatch(d -> Files.isExecutable(Path.of(d, program)));
  }
}
