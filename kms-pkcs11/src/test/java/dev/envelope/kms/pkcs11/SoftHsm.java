package dev.envelope.kms.pkcs11;

import static org.junit.jupiter.api.Assertions.fail;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKM_AES_KEY_GEN;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.xipki.pkcs11.wrapper.AttributeVector;
import org.xipki.pkcs11.wrapper.Mechanism;
import org.xipki.pkcs11.wrapper.PKCS11Module;
import org.xipki.pkcs11.wrapper.PKCS11Token;
import org.xipki.pkcs11.wrapper.Slot;
import org.xipki.pkcs11.wrapper.Token;

/**
 * A private SoftHSM2 for the tests: its own configuration and token directory under {@code
 * target/softhsm2} (the file named by {@code SOFTHSM2_CONF}, which Surefire sets), tokens created
 * with {@code softhsm2-util}, keys created through PKCS#11. Built once per test JVM, before the
 * first {@code C_Initialize}, because SoftHSM2 only sees the tokens that exist at that moment.
 *
 * <p>Without SoftHSM2 the tests are skipped on a developer machine and fail in CI ({@code CI} set).
 */
final class SoftHsm {
  static final Path LIBRARY = Path.of("/usr/lib/softhsm/libsofthsm2.so");

  /** Holds the keys of most tests. */
  static final String TOKEN_A = "envelope-a";

  /** A second token with a key of the same label: another "cluster's" HSM. */
  static final String TOKEN_B = "envelope-b";

  /** Only ever logged into with a wrong PIN (login state is per process, so it needs its own). */
  static final String TOKEN_PIN = "envelope-pin";

  static final String PIN_A = "4711-a";
  static final String PIN_B = "4711-b";
  static final String PIN_PIN_TOKEN = "4711-c";

  /** A key imported with known bytes (sensitive from then on) to check the format with the JCE. */
  static final byte[] KNOWN_KEY = new byte[32];

  static final byte[] KNOWN_KEY_ID = {0x01, 0x02};

  private static SoftHsm instance;

  final Path directory;
  final Map<String, Long> slots = new LinkedHashMap<>();

  private SoftHsm(Path directory) {
    this.directory = directory;
  }

  static synchronized SoftHsm get() {
    if (instance == null) {
      instance = create();
    }
    return instance;
  }

  private static SoftHsm create() {
    boolean present = Files.isRegularFile(LIBRARY) && onPath("softhsm2-util");
    if (!present) {
      if (System.getenv("CI") != null) {
        fail("SoftHSM2 is required in CI: install the Debian package softhsm2 (.ci/run does)");
      }
      Assumptions.abort(
          "SoftHSM2 is not installed (apt-get install softhsm2); PKCS#11 tests skipped");
    }
    String conf = System.getenv("SOFTHSM2_CONF");
    if (conf == null) {
      fail("SOFTHSM2_CONF is not set: run these tests through Maven (the pom sets it)");
    }
    try {
      Path config = Path.of(conf);
      Path directory = config.getParent();
      deleteRecursively(directory);
      Path tokens = Files.createDirectories(directory.resolve("tokens"));
      Files.writeString(
          config,
          "directories.tokendir = "
              + tokens
              + "\n"
              + "objectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n");
      SoftHsm hsm = new SoftHsm(directory);
      hsm.initToken(TOKEN_A, PIN_A);
      hsm.initToken(TOKEN_B, PIN_B);
      hsm.initToken(TOKEN_PIN, PIN_PIN_TOKEN);
      hsm.createKeys();
      return hsm;
    } catch (Exception e) {
      throw new IllegalStateException("setting up SoftHSM2 failed", e);
    }
  }

  /** A local-config settings map for {@code providers.pkcs11} with the PIN of {@code token}. */
  Map<String, String> settings(String pin) throws IOException {
    Path pinFile = Files.createTempFile(directory, "pin", ".txt");
    // With the line break `echo PIN > file` leaves: the provider drops one.
    Files.writeString(pinFile, pin + "\n", StandardCharsets.UTF_8);
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("library", LIBRARY.toString());
    settings.put("pinFile", pinFile.toString());
    return settings;
  }

  long slot(String label) {
    return slots.get(label);
  }

  /** A logged-in read-write pool on a token, for tests that inspect or alter its objects. */
  PKCS11Token admin(String label, String pin) throws Exception {
    PKCS11Module module = Pkcs11Library.module(LIBRARY);
    for (Slot slot : module.getSlotList(true)) {
      Token token = slot.getToken();
      if (token.getTokenInfo().getLabel().trim().equals(label)) {
        return new PKCS11Token(token, false, pin.toCharArray(), 2);
      }
    }
    throw new IllegalStateException("no token " + label);
  }

  private void initToken(String label, String pin) throws Exception {
    String out =
        run(
            List.of(
                "softhsm2-util",
                "--init-token",
                "--free",
                "--label",
                label,
                "--pin",
                pin,
                "--so-pin",
                pin + "-so"));
    // "The token has been initialized and is reassigned to slot N"
    String slot = out.replaceAll("(?s).*reassigned to slot (\\d+).*", "$1");
    slots.put(label, Long.parseLong(slot.trim()));
  }

  private void createKeys() throws Exception {
    PKCS11Token a = admin(TOKEN_A, PIN_A);
    try {
      generateAes(a, "kek", 32, false);
      generateAes(a, "kek-2", 32, false);
      generateAes(a, "extractable", 32, true);
      generateAes(a, "aes-128", 16, false);
      generateAes(a, "twice", 32, false);
      generateAes(a, "twice", 32, false);
      for (int i = 0; i < KNOWN_KEY.length; i++) {
        KNOWN_KEY[i] = (byte) (0xA0 + i);
      }
      a.createObject(
          AttributeVector.newAESSecretKey()
              .token(true)
              .label("known")
              .id(KNOWN_KEY_ID)
              .value(KNOWN_KEY)
              .sensitive(true)
              .extractable(false)
              .encrypt(true)
              .decrypt(true)
              .private_(true));
    } finally {
      a.closeAllSessions();
    }
    PKCS11Token b = admin(TOKEN_B, PIN_B);
    try {
      generateAes(b, "kek", 32, false);
    } finally {
      b.closeAllSessions();
    }
  }

  private static void generateAes(PKCS11Token token, String label, int bytes, boolean extractable)
      throws Exception {
    token.generateKey(
        new Mechanism(CKM_AES_KEY_GEN),
        AttributeVector.newAESSecretKey()
            .token(true)
            .label(label)
            .valueLen(bytes)
            .private_(true)
            .sensitive(!extractable)
            .extractable(extractable)
            .encrypt(true)
            .decrypt(true)
            .wrap(true)
            .unwrap(true));
  }

  private static String run(List<String> command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", command.subList(0, 2)) + " failed: " + out);
    }
    return out;
  }

  private static boolean onPath(String program) {
    String path = System.getenv("PATH");
    return path != null
        && Stream.of(path.split(":")).anyMatch(dir -> Files.isExecutable(Path.of(dir, program)));
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
